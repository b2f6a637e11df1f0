// Search through the case portal, where one serves the help centre (it sets the kb_portal cookie on the
// pages it serves): while the reader types in the header search or the home page's "How can we help?",
// the portal's suggestions show; Enter opens the portal's results page. A static copy of the site (no
// cookie) keeps the theme's in-browser search untouched. The portal's own pages use the same suggestions
// for their search boxes ([data-kb-suggest]).
//
// Why a script that takes over the header's input, not an override of partials/search.html: the static
// copy needs the theme's search exactly as it is, and one template cannot be both. The script changes
// no markup of the theme; it listens on the theme's input (data-md-component=search-query, stable through
// Material 9), keeps the theme's own keys (Enter, arrows, Escape) from reaching the theme's handler on
// window, and shows its list inside the theme's search panel, so the panel opens, closes and fits small
// screens as the theme makes it. A theme update can break at most those two selectors, and then the
// theme's own search is what readers get.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !window.fetch || !window.URL) return;
  // This file is <site>/assets/kb-search.js: the portal's search for this site is <site>/search.
  var root = new URL("../", script.src);
  var searchUrl = new URL("search", root);
  var suggestUrl = new URL("api/suggest", root);
  // An older version's pages (main.html marks them) keep the theme's search of their own version's index.
  var portal = document.cookie.indexOf("kb_portal=1") >= 0 && !document.querySelector("meta[name=kb-older-version]");
  var made = 0;

  function resultsFor(query) {
    var url = new URL(searchUrl);
    url.searchParams.set("q", query);
    return url.toString();
  }

  // A combobox (WAI-ARIA 1.2, list autocomplete): the input keeps focus, the list is a listbox whose
  // active option is aria-activedescendant; arrows move, Enter opens, Escape closes.
  function combobox(input, host) {
    var id = "kb-suggest-" + ++made;
    var list = document.createElement("ul");
    list.id = id;
    list.className = "kb-suggest";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Suggestions");
    list.hidden = true;
    host.insertBefore(list, host.firstChild);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", id);
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("autocomplete", "off");
    var options = [];
    var active = -1;
    var timer = null;
    var asked = "";

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      activate(-1);
    }

    function open() {
      if (!options.length) return;
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function activate(index) {
      options.forEach(function (option, n) { option.el.setAttribute("aria-selected", n === index ? "true" : "false"); });
      active = index;
      if (index < 0) { input.removeAttribute("aria-activedescendant"); return; }
      input.setAttribute("aria-activedescendant", options[index].el.id);
      options[index].el.scrollIntoView({ block: "nearest" });
    }

    function option(text, detail, href, className) {
      var item = document.createElement("li");
      item.id = id + "-" + options.length;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      item.className = "kb-suggest__option" + (className ? " " + className : "");
      var title = document.createElement("span");
      title.className = "kb-suggest__title";
      title.textContent = text;
      item.appendChild(title);
      if (detail) {
        var small = document.createElement("span");
        small.className = "kb-suggest__detail";
        small.textContent = detail;
        item.appendChild(small);
      }
      // mousedown would take the focus from the input (and close the list) before the click lands.
      item.addEventListener("mousedown", function (event) { event.preventDefault(); });
      item.addEventListener("click", function () { window.location.assign(href); });
      list.appendChild(item);
      options.push({ el: item, href: href });
    }

    function show(query, hits) {
      list.textContent = "";
      options = [];
      hits.forEach(function (hit) {
        var title = hit.section_title ? hit.title + " › " + hit.section_title : hit.title;
        var href = new URL(hit.go || hit.url, root);
        if (hit.go) href.searchParams.set("q", query);  // what was typed, for the report's record of the click
        option(title, hit.summary, href.toString());
      });
      option("See all results for “" + query + "”", "", resultsFor(query), "kb-suggest__all");
      activate(-1);
      if (document.activeElement === input) open();
    }

    function lookup() {
      var query = input.value.trim();
      if (query === asked) return;
      asked = query;
      if (query.length < 2) { options = []; list.textContent = ""; close(); return; }
      var url = new URL(suggestUrl);
      url.searchParams.set("q", query);
      fetch(url.toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { hits: [] }; })
        .then(function (data) { if (input.value.trim() === query) show(query, data.hits || []); })
        .catch(function () { /* the portal did not answer: Enter still opens the results page */ });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(lookup, 120);
    });
    // The theme fills in the words of a ?q= address and focuses its input, without an input event.
    input.addEventListener("focus", function () { if (input.value.trim() !== asked) lookup(); else open(); });
    input.addEventListener("blur", close);
    input.addEventListener("keydown", function (event) {
      var handled = true;
      switch (event.key) {
        case "ArrowDown":
        case "ArrowUp":
          if (!options.length) { handled = false; break; }
          open();
          // Around the list and back to the input (-1), which shows the words as typed.
          var next = active + (event.key === "ArrowDown" ? 1 : -1);
          if (next < -1) next = options.length - 1;
          if (next >= options.length) next = -1;
          activate(next);
          break;
        case "Enter":
          if (active >= 0) window.location.assign(options[active].href);
          else if (input.value.trim()) window.location.assign(resultsFor(input.value.trim().slice(0, 2000)));
          break;
        case "Escape":
          if (list.hidden) handled = false;  // the theme's Escape closes its search panel
          else close();
          break;
        default:
          handled = false;
      }
      if (handled) {
        event.preventDefault();
        event.stopPropagation();  // the theme handles these keys on window: ours, while the portal answers
      }
    });
  }

  document.querySelectorAll("input[data-kb-suggest]").forEach(function (input) {
    var host = document.createElement("div");
    host.className = "kb-suggest-host";
    input.parentNode.insertBefore(host, input.nextSibling);
    combobox(input, host);
  });
  // In the application's help panel the panel's own box searches, and the theme's results show in the frame
  // (kb.css hides the theme's box there): the portal's suggestions would need that hidden box.
  if (!portal || window.name === "kb-help-panel") return;

  var header = document.querySelector("[data-md-component=search-query]");
  var panel = document.querySelector("[data-md-component=search] .md-search__scrollwrap");
  if (header && panel) {
    document.querySelector("[data-md-component=search]").classList.add("kb-portal-search");
    header.setAttribute("placeholder", "Search the help centre");
    combobox(header, panel);
  }

  document.querySelectorAll("[data-kb-hero-search]").forEach(function (form) {
    var input = form.querySelector("input");
    form.action = searchUrl.toString();
    form.method = "get";
    form.setAttribute("data-kb-portal", "");
    var host = document.createElement("div");
    host.className = "kb-suggest-host";
    form.appendChild(host);
    combobox(input, host);
  });
})();
