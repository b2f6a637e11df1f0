// The agent queue: j/k through the cases, Enter opens, x chooses; the list, its counts and arrivals kept
// up to date by polling the live endpoint (an ETag'd JSON fragment: 304 while nothing changed); a new
// catastrophic case announced in the live region and the tab's title, without a reload.
(function () {
  "use strict";

  var box, announce, baseTitle, arrivals = 0, etag = null, current = null, stopped = false;

  function rows() { return Array.prototype.slice.call(box.querySelectorAll("[data-queue-row]")); }

  function focusRow(row) {
    if (!row) return;
    rows().forEach(function (r) { r.classList.remove("is-current"); });
    row.classList.add("is-current");
    current = row.getAttribute("data-number");
    var link = row.querySelector(".queue-item__link");
    link.focus();
    row.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    var all = rows();
    if (!all.length) return;
    var at = all.findIndex(function (r) { return r.contains(document.activeElement); });
    if (at < 0) at = all.findIndex(function (r) { return r.getAttribute("data-number") === current; });
    focusRow(all[at < 0 ? 0 : Math.min(all.length - 1, Math.max(0, at + step))]);
  }

  function currentRow() {
    return rows().find(function (r) { return r.contains(document.activeElement); }) ||
      rows().find(function (r) { return r.getAttribute("data-number") === current; });
  }

  function register() {
    var keys = window.consoleKeys;
    if (!keys) return;
    keys.add("j", "Next case in the queue", function () { move(1); });
    keys.add("k", "Previous case in the queue", function () { move(-1); });
    keys.add("Enter", "Open the current case", function () {
      var row = currentRow();
      if (!row) return false;  // Enter on anything else keeps its own meaning
      window.location.assign(row.querySelector(".queue-item__link").href);
    });
    keys.add("x", "Choose the current case (for the bulk actions)", function () {
      var row = currentRow();
      if (!row) return false;
      var box = row.querySelector(".queue-item__pick");
      box.checked = !box.checked;
    });
    keys.add("/", "Search cases", function () { document.getElementById("queue-q").focus(); });
  }

  function setCounts(counts) {
    Object.keys(counts).forEach(function (view) {
      var el = box.ownerDocument.querySelector('[data-count="' + view + '"]');
      if (el) el.textContent = String(counts[view]);
    });
  }

  function replaceList(html) {
    var chosen = rows().filter(function (r) { return r.querySelector(".queue-item__pick").checked; })
      .map(function (r) { return r.getAttribute("data-number"); });
    var hadFocus = box.contains(document.activeElement);
    box.innerHTML = html;  // rendered and escaped by the server's template, as the page itself is
    rows().forEach(function (r) {
      if (chosen.indexOf(r.getAttribute("data-number")) >= 0) r.querySelector(".queue-item__pick").checked = true;
      if (r.getAttribute("data-number") === current) {
        r.classList.add("is-current");
        if (hadFocus) r.querySelector(".queue-item__link").focus();
      }
    });
  }

  function announceArrivals(list) {
    if (!list.length) return;
    arrivals += list.length;
    var words = list.map(function (c) { return c.number + ": " + c.subject; }).join("; ");
    announce.textContent = (list.length === 1 ? "New catastrophic case " : "New catastrophic cases ") + words;
    document.title = "(" + arrivals + ") Catastrophic case · " + baseTitle;
  }

  function poll() {
    var url = box.getAttribute("data-live") + "&since=" + encodeURIComponent(box.getAttribute("data-since"));
    var headers = { Accept: "application/json" };
    if (etag) headers["If-None-Match"] = etag;
    fetch(url, { headers: headers, credentials: "same-origin", cache: "no-cache" })
      .then(function (response) {
        if (response.status === 401) { stopped = true; return null; }  // signed out: reload to sign in again
        if (response.status === 304 || !response.ok) return null;
        etag = response.headers.get("ETag");
        return response.json();
      })
      .then(function (data) {
        if (!data) return;
        replaceList(data.list);
        setCounts(data.counts);
        announceArrivals(data.arrived);
        box.setAttribute("data-since", String(data.latest));
      })
      .catch(function () { /* offline for a moment: the next poll tries again */ })
      .then(schedule);
  }

  function schedule() {
    if (stopped) return;
    var seconds = parseFloat(box.getAttribute("data-poll-seconds")) || 4;
    window.setTimeout(poll, seconds * 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    box = document.getElementById("queue-list");
    announce = document.getElementById("queue-announce");
    if (!box) return;
    baseTitle = document.title;
    etag = box.getAttribute("data-etag") || null;
    register();
    document.addEventListener("console-keys:closed", function () {
      var row = currentRow();
      if (row) focusRow(row);
    });
    // Back to the plain title once the agent is here to see it.
    document.addEventListener("click", function () { if (arrivals) { arrivals = 0; document.title = baseTitle; } });
    schedule();
  });
})();
