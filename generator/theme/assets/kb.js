// The home page's search box hands its words to the theme's own search, which opens with the results
// (where no portal serves the site: with one, kb-search.js sends them to the portal's results page).
document.addEventListener("submit", function (event) {
  var form = event.target.closest("[data-kb-hero-search]");
  if (!form || form.hasAttribute("data-kb-portal")) return;  // kb-search.js sends it to the portal's search
  event.preventDefault();
  var query = form.querySelector("input").value;
  var input = document.querySelector("[data-md-component=search-query]");
  if (!input) return;
  // Focusing the theme's input opens its search; setting the toggle by hand would skip its own opening.
  input.value = query;
  input.focus();
  input.dispatchEvent(new Event("input", { bubbles: true }));
  input.dispatchEvent(new KeyboardEvent("keyup", { bubbles: true }));
});

// "Log a case" carries the reader's last search, so the agent sees what they looked for and did not find.
// Kept in sessionStorage only: it never leaves the browser except in the case form the reader opens.
(function () {
  var KEY = "kb-last-search";
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("[data-md-component=search-query], [data-kb-hero-search] input")) return;
    var words = input.value.trim().slice(0, 200);
    try {
      if (words) sessionStorage.setItem(KEY, words);
    } catch (e) { /* storage disabled: the case form simply has no last search */ }
  });
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.kb-help__case");
    if (!link) return;
    var words = null;
    try { words = sessionStorage.getItem(KEY); } catch (e) { /* see above */ }
    if (!words) return;
    var url = new URL(link.href, window.location.href);
    url.searchParams.set("q", words);
    link.href = url.toString();
  });
})();

// Context help (help.js, /context/<id>/). The pattern is the one of contexts.yml's IDs (schema.CONTEXT_ID).
(function () {
  var CONTEXT_ID = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/;
  var script = document.currentScript;

  // Inside the application's help panel (help.js names its frame so), a page shows only its content.
  if (window.name === "kb-help-panel") {
    document.documentElement.classList.add("kb-in-panel");
    // Escape closes the panel even with the focus in here (the frame's keys never reach the application's
    // page): help.js listens for this message from its frame only. Capture, before the theme's own Escape.
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape" || window.parent === window) return;
      event.preventDefault();
      event.stopPropagation();
      window.parent.postMessage({ kbHelp: "close" }, "*");  // says nothing but "close": no secret to keep
    }, true);
    // The theme focuses its search box for a ?q= address (the panel's search for a screen it does not know).
    // That box is hidden here, and the focus would leave the panel's title, where help.js put it: until the
    // reader uses the page, such a focus is handed back to help.js.
    var used = false;
    ["keydown", "pointerdown"].forEach(function (type) {
      document.addEventListener(type, function () { used = true; }, true);
    });
    var handBack = function (element) {
      if (used || window.parent === window || !element || !element.matches) return;
      if (!element.matches("[data-md-component=search-query]")) return;
      element.blur();
      window.parent.postMessage({ kbHelp: "focus" }, "*");
    };
    document.addEventListener("focusin", function (event) { handBack(event.target); }, true);
    handBack(document.activeElement);  // the theme may have focused it before this script ran
  }

  // Arriving from a screen of the application (/context/<id>/ adds ?context=<id>): the case link carries
  // that screen, not only the first screen the page answers.
  var context = new URLSearchParams(window.location.search).get("context");
  if (context && context.length <= 100 && CONTEXT_ID.test(context)) {
    document.querySelectorAll("a.kb-help__case").forEach(function (link) {
      var url = new URL(link.getAttribute("href"), window.location.href);
      url.searchParams.set("context", context);
      link.href = url.toString();
    });
  }

  // A /context/<id>/ address the build has no page for reaches the 404 page (hosts serve 404.html for
  // missing paths): hand it to the screen index, which finds its help or searches for its words.
  if (document.querySelector("[data-kb-not-found]") && script) {
    var match = /\/context\/([^/]+)\/?$/.exec(window.location.pathname);
    if (match) {
      var raw = match[1].slice(0, 300);
      try { raw = decodeURIComponent(raw); } catch (e) { /* a broken escape: searched for as it is */ }
      var index = new URL("../context/", script.src);
      index.searchParams.set("id", raw.slice(0, 200));
      window.location.replace(index.toString());
    }
  }
})();

// "Was this helpful?": only where the case portal serves the help centre (it sets the kb_portal cookie and
// records the answer with a CSRF token it hands out); on a static copy the question stays hidden.
(function () {
  var box = document.querySelector("[data-kb-feedback]");
  if (!box || !window.fetch || document.cookie.indexOf("kb_portal=1") < 0) return;
  var token = null;
  function send(helpful, comment) {
    return fetch("/api/feedback", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify({ article: box.getAttribute("data-kb-feedback"), helpful: helpful, comment: comment || "" })
    }).then(function (response) {
      var thanks = box.querySelector(".kb-feedback__thanks");
      if (!response.ok) {  // refused or rate limited: say so, and leave the question to answer again
        thanks.textContent = "Sorry, that did not go through; please try again later.";
        thanks.hidden = false;
        return;
      }
      box.querySelectorAll("button[data-helpful], .kb-feedback__more").forEach(function (el) { el.hidden = true; });
      thanks.textContent = "Thank you for telling us.";
      thanks.hidden = false;
    });
  }
  fetch("/api/csrf", { credentials: "same-origin" })
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (data) {
      if (!data || !data.token) return;
      token = data.token;
      box.hidden = false;
      box.querySelector("[data-helpful=yes]").addEventListener("click", function () { send(true); });
      box.querySelector("[data-helpful=no]").addEventListener("click", function () {
        box.querySelector(".kb-feedback__more").hidden = false;
      });
      box.querySelector(".kb-feedback__more").addEventListener("submit", function (event) {
        event.preventDefault();
        send(false, box.querySelector("textarea").value);
      });
    })
    .catch(function () { /* no portal here: the question stays hidden */ });
})();

// The internal build: how many cases an article resolved and its open flags, from the portal (agents only).
(function () {
  var slot = document.querySelector("[data-kb-stats]");
  if (!slot || !window.fetch || document.cookie.indexOf("kb_portal=1") < 0) return;
  fetch("/api/articles/" + encodeURIComponent(slot.getAttribute("data-kb-stats")) + "/stats",
        { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("json") >= 0;
      return response.ok && json ? response.json() : null;
    })
    .then(function (stats) {
      if (!stats) { slot.textContent = "Sign in to the agent console to see case counts."; return; }
      var text = "Resolved " + stats.cases + " case" + (stats.cases === 1 ? "" : "s");
      if (stats.flags.length) text += " · " + stats.flags.length + " open flag" + (stats.flags.length === 1 ? "" : "s");
      slot.textContent = text;
      stats.flags.forEach(function (flag) {
        var note = document.createElement("span");
        note.className = "kb-flag";
        note.textContent = flag.kind + ": " + flag.comment;
        slot.appendChild(document.createElement("br"));
        slot.appendChild(note);
      });
    })
    .catch(function () { slot.textContent = ""; });
})();

// The theme's search overlay is a dialog without a name: screen readers announced "dialog" and nothing else
// (axe: aria-dialog-name). It opens only with scripts on, so naming it here reaches everyone who can open it.
(function () {
  var dialog = document.querySelector(".md-search[role=dialog]");
  if (dialog && !dialog.hasAttribute("aria-label")) dialog.setAttribute("aria-label", "Search the help centre");
})();

// A table wider than a phone scrolls sideways in its wrapper; a wrapper the keyboard cannot reach cannot be
// scrolled without a mouse (axe: scrollable-region-focusable). Such wrappers take the focus and say what they are.
(function () {
  function reachable() {
    document.querySelectorAll(".md-typeset__scrollwrap").forEach(function (wrap) {
      if (wrap.scrollWidth <= wrap.clientWidth || wrap.hasAttribute("tabindex")) return;
      wrap.setAttribute("tabindex", "0");
      wrap.setAttribute("role", "region");
      wrap.setAttribute("aria-label", "Table (scrolls sideways)");
    });
  }
  // After the theme has wrapped the tables (its scripts run on load), and again when the window narrows.
  window.addEventListener("load", reachable);
  window.addEventListener("resize", reachable);
})();
