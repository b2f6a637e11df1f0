// The case form's article suggestions, and small comforts. No inline script: the portal's CSP forbids it.
(function () {
  "use strict";

  function suggestions() {
    var subject = document.getElementById("subject");
    var box = document.getElementById("suggestions");
    var avoided = document.getElementById("avoided");
    if (!subject || !box) return;
    var list = box.querySelector("ul");
    var timer = null;
    var last = "";

    function show(hits) {
      list.textContent = "";
      hits.forEach(function (hit) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = hit.url;
        link.target = "_blank";
        link.rel = "noopener";
        link.textContent = hit.title;
        item.appendChild(link);
        if (hit.summary) {
          var summary = document.createElement("small");
          summary.textContent = " " + hit.summary;
          item.appendChild(summary);
        }
        if (avoided) {
          var solved = document.createElement("button");
          solved.type = "button";
          solved.className = "link solved";
          solved.hidden = true;
          solved.textContent = "This answered my question";
          solved.addEventListener("click", function () {
            avoided.querySelector("input[name=article]").value = hit.id;
            avoided.submit();
          });
          link.addEventListener("click", function () { solved.hidden = false; });
          item.appendChild(document.createTextNode(" "));
          item.appendChild(solved);
        }
        list.appendChild(item);
      });
      box.hidden = hits.length === 0;
    }

    function lookup() {
      var query = subject.value.trim();
      if (query === last) return;
      last = query;
      if (query.length < 3) { show([]); return; }
      fetch("/api/suggest?q=" + encodeURIComponent(query), { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { hits: [] }; })
        .then(function (data) { if (subject.value.trim() === query) show(data.hits || []); })
        .catch(function () { show([]); });
    }

    subject.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(lookup, 200);
    });
    lookup();
  }

  function linkBoxes() {
    document.querySelectorAll("input.link-box").forEach(function (input) {
      input.addEventListener("focus", function () { input.select(); });
    });
  }

  // The header's unread notifications, kept current by asking the small count endpoint now and then (and
  // when the tab comes back into view); the tab's title shows the count too.
  function notificationCount() {
    var link = document.querySelector("[data-notification-count-url]");
    if (!link) return;
    var badge = link.querySelector("[data-notification-count]");
    var number = link.querySelector("[data-notification-number]");
    var every = parseInt(link.getAttribute("data-notification-poll"), 10) || 15000;
    var title = document.title.replace(/^\(\d+\) /, "");

    function show(count) {
      number.textContent = String(count);
      badge.hidden = count === 0;
      document.title = (count ? "(" + count + ") " : "") + title;
    }

    function ask() {
      if (document.hidden) return;
      fetch(link.getAttribute("data-notification-count-url"), {
        headers: { Accept: "application/json" }, credentials: "same-origin", redirect: "manual"
      })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) { if (data && typeof data.unread === "number") show(data.unread); })
        .catch(function () { /* offline for a moment: the next round tries again */ });
    }

    show(parseInt(number.textContent, 10) || 0);
    setInterval(ask, every);
    document.addEventListener("visibilitychange", ask);
  }

  document.addEventListener("DOMContentLoaded", function () {
    suggestions();
    linkBoxes();
    notificationCount();
  });
})();
