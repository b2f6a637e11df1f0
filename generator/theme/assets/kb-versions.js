// The version switcher and an older version's notice (partials/kb-versions.html, main.html): each link goes to
// a version's home; here it goes to the same page in that version instead, found by the page's ID in the
// version's kb-pages.json, when that version has the page. Versions versions.json says are not published are
// taken out of the list. Any failure leaves the plain link to the version's home: never a missing page.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !window.fetch) return;
  var root = new URL(script.getAttribute("data-kb-root") || "./", location.href);
  var page = script.getAttribute("data-kb-page") || "";
  var maps = {};

  function load(path) {
    if (!maps[path]) {
      maps[path] = fetch(new URL(path, root).href, { credentials: "same-origin" })
        .then(function (response) {
          return response.ok ? response.json() : null;
        })
        .catch(function () {
          return null;
        });
    }
    return maps[path];
  }

  // The paths of the published versions (versions.json), or null when that list cannot be read. Only their
  // page maps are asked for: a version listed but not published would answer 404s.
  var published = load("versions.json").then(function (data) {
    if (!data || !Array.isArray(data.versions)) return null;
    var paths = {};
    data.versions.forEach(function (version) {
      if (version.published && typeof version.path === "string") paths[version.path] = true;
    });
    return paths;
  });

  // The address of this page in the version at `path` ('' or 'v/2026.2/'), else that version's home.
  function sameIn(path) {
    var home = new URL(path, root).href;
    return published.then(function (paths) {
      if (!page || !paths || !Object.prototype.hasOwnProperty.call(paths, path)) return home;
      return load(path + "kb-pages.json");
    }).then(function (data) {
      if (typeof data === "string") return data;
      var pages = data && data.pages;
      var url = pages && Object.prototype.hasOwnProperty.call(pages, page) ? pages[page] : null;
      if (typeof url !== "string") return home;
      var address = new URL(path + url, root);
      return address.origin === root.origin ? address.href : home;
    });
  }

  var links = Array.prototype.slice.call(document.querySelectorAll("a[data-kb-version-link]"));
  links.forEach(function (link) {
    sameIn(link.getAttribute("data-kb-version-link")).then(function (href) {
      link.href = href; // also for opening in a new tab and copying the address
    });
  });

  published.then(function (paths) {
    if (!paths) return;
    links.forEach(function (link) {
      var item = link.closest(".kb-versions__list li");
      if (item && !Object.prototype.hasOwnProperty.call(paths, link.getAttribute("data-kb-version-link"))) item.remove();
    });
  });

  document.addEventListener("click", function (event) {
    var link = event.target instanceof Element ? event.target.closest("a[data-kb-version-link]") : null;
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey || event.button !== 0) return;
    event.preventDefault();
    sameIn(link.getAttribute("data-kb-version-link")).then(function (href) {
      location.assign(href);
    });
  });

  // Escape closes the open switcher and gives the focus back to it, as a menu button does.
  document.addEventListener("keydown", function (event) {
    var open = document.querySelector("details.kb-versions[open]");
    if (event.key !== "Escape" || !open) return;
    open.open = false;
    open.querySelector("summary").focus();
  });
})();
