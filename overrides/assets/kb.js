// The home page's search box hands its words to the theme's own search, which opens with the results.
document.addEventListener("submit", function (event) {
  var form = event.target.closest("[data-kb-hero-search]");
  if (!form) return;
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
  if (window.name === "kb-help-panel") document.documentElement.classList.add("kb-in-panel");

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
