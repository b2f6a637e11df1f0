/*
 * help.js: context-sensitive help from the help centre, for the application's pages.
 *
 *   <script src="https://help.example.com/assets/help.js" defer></script>
 *   <button type="button" data-kb-help="schedule.gantt">?</button>      (no script of your own needed)
 *   KBHelp.open("schedule.gantt")                                       (or call it)
 *
 * Opens a side panel with the screen's topic, its related articles, a search box and a "Log a case" link
 * that carries the screen's ID. F1 opens help for the innermost element with data-kb-context="<id>".
 * The panel lives in a shadow root: the page's styles do not reach it, and its styles do not leak out.
 * Nothing here needs 'unsafe-inline' under a Content-Security-Policy: no inline handlers, styles through
 * a constructed stylesheet. Every text from the map or the caller goes in as text, never as markup.
 *
 * Options, as attributes of this script tag or KBHelp.configure({...}):
 *   data-base      the help centre's root (default: the folder above this script's assets/)
 *   data-case-url  the case form (default: cases/new beside the help centre, <base>cases/new)
 *   data-version   the application's version ("2026.2"): its help, at <base>v/2026.2/, when the help centre
 *                  publishes it; else the current version's, with a notice saying so
 */
(function () {
  "use strict";

  if (window.KBHelp && window.KBHelp.version) return; // loaded twice: the first one stays

  var ID = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/; // schema.CONTEXT_ID
  var MAX_ID = 100;
  var MAX_WORDS = 100;
  var FRAME_NAME = "kb-help-panel"; // the help centre's pages show only their content in a frame of this name
  var script = document.currentScript;

  var VERSION = /^[0-9A-Za-z][0-9A-Za-z.+_-]{0,39}$/; // versions/model.VERSION_NAME
  var settings = { base: null, caseUrl: null, version: null };
  var helpBase = null; // the root of the help centre whose map is loaded: <base>, or <base>v/<version>/
  var versionMissing = false; // the version asked for is not published: the current one's help is shown
  configure({
    base: attribute("data-base") || new URL("../", script ? script.src : location.href).href,
    caseUrl: attribute("data-case-url"),
    version: attribute("data-version"),
  });

  function attribute(name) {
    return script && script.hasAttribute(name) ? script.getAttribute(name) : null;
  }

  function configure(options) {
    options = options || {};
    if (options.base) {
      var base = new URL(String(options.base), location.href);
      if (!/^https?:$/.test(base.protocol)) throw new Error("KBHelp: base must be an http(s) address");
      if (!/\/$/.test(base.pathname)) base.pathname += "/";
      base.search = "";
      base.hash = "";
      if (settings.base !== base.href) mapPromise = null;
      settings.base = base.href;
    }
    if (options.caseUrl) settings.caseUrl = safeUrl(String(options.caseUrl), location.href);
    if (options.version !== undefined) {
      var version = options.version == null ? "" : String(options.version).trim();
      if (version && !VERSION.test(version)) throw new Error("KBHelp: version must be a version name such as 2026.2");
      if ((version || null) !== settings.version) mapPromise = null;
      settings.version = version || null;
    }
    return { base: settings.base, caseUrl: caseUrl(), version: settings.version };
  }

  // An http(s) address, or the help centre's root for anything else (javascript:, data:, ...).
  function safeUrl(url, against) {
    try {
      var parsed = new URL(url, against);
      if (/^https?:$/.test(parsed.protocol)) return parsed.href;
    } catch (error) {
      /* fall through */
    }
    return settings.base;
  }

  // A link of the map, relative to the help centre's root; never anywhere else.
  function helpUrl(relative) {
    var base = helpBase || settings.base;
    var url = new URL(safeUrl(String(relative || ""), base));
    return url.origin === new URL(settings.base).origin ? url.href : base;
  }

  function caseUrl() {
    // Beside the help centre, not at the origin's root: a client's centre at /c/<slug>/ has its own case form.
    return settings.caseUrl || new URL("cases/new", settings.base).href;
  }

  // ---- The map: loaded once, as a script (no CORS needed), from <base>context/kb-map.js

  var mapPromise = null;
  var receive = null;

  function loadMap() {
    if (!mapPromise) {
      // The version's own help centre first; where it is not published (or it is the current version, at
      // the root), the root's, which says in its map which version it is.
      var wanted = settings.version ? new URL("v/" + settings.version + "/", settings.base).href : settings.base;
      mapPromise = loadMapFrom(wanted)
        .then(null, function (error) {
          if (wanted === settings.base) throw error;
          wanted = settings.base;
          return loadMapFrom(wanted);
        })
        .then(
          function (map) {
            helpBase = wanted;
            versionMissing = Boolean(settings.version) && wanted === settings.base && map.version !== settings.version;
            return map;
          },
          function (error) {
            mapPromise = null; // try again on the next open
            throw error;
          }
        );
    }
    return mapPromise;
  }

  function loadMapFrom(base) {
    return new Promise(function (resolve, reject) {
      receive = resolve;
      var tag = document.createElement("script");
      tag.src = base + "context/kb-map.js";
      tag.async = true;
      tag.addEventListener("error", function () {
        reject(new Error("the help centre could not be reached"));
      });
      (document.head || document.documentElement).appendChild(tag);
    });
  }

  function receiveMap(data) {
    if (receive && data && typeof data.contexts === "object") receive(data);
  }

  function has(object, key) {
    return Object.prototype.hasOwnProperty.call(object, key);
  }

  function cleanId(raw) {
    var id = String(raw == null ? "" : raw).slice(0, MAX_ID + 1).trim();
    return id.length <= MAX_ID && ID.test(id) ? id : "";
  }

  // The words of anything the caller passed, for a search: "<script>" -> "script", "../../etc" -> "etc".
  function searchWords(raw) {
    return String(raw == null ? "" : raw)
      .slice(0, 1000)
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, " ")
      .trim()
      .slice(0, MAX_WORDS)
      .trim();
  }

  function searchUrl(words) {
    return helpUrl(words ? "?q=" + encodeURIComponent(words) : "");
  }

  // What help there is for `raw`: the map's entry, or a search for the words of an ID it does not know.
  function lookup(map, raw) {
    var id = cleanId(raw);
    var entry = id && map && has(map.contexts, id) ? map.contexts[id] : null;
    if (!entry) {
      return { id: id, known: false, title: null, via: "search", url: searchUrl(searchWords(raw)), topic: null, related: [] };
    }
    var topic = entry.topic ? { id: String(entry.topic.id), title: String(entry.topic.title), url: helpUrl(entry.url) } : null;
    var related = (Array.isArray(entry.related) ? entry.related : []).map(function (page) {
      return { id: String(page.id), title: String(page.title), url: helpUrl(page.url) };
    });
    return {
      id: id,
      known: true,
      title: String(entry.title),
      via: String(entry.via),
      module: String(entry.module),
      url: helpUrl(entry.url),
      topic: topic,
      related: related,
    };
  }

  // The address that lands on a screen's help in a tab: the topic with ?context=<id>, else the fallback.
  function landingUrl(help) {
    if (!help.topic) return help.url;
    var url = new URL(help.url);
    url.searchParams.set("context", help.id);
    return url.href;
  }

  function url(raw) {
    return loadMap().then(
      function (map) {
        return landingUrl(lookup(map, raw));
      },
      function () {
        return searchUrl(searchWords(raw));
      }
    );
  }

  // ---- The panel

  var STYLE = [
    ":host { all: initial; position: fixed; top: 0; right: 0; bottom: 0; z-index: 2147483000;",
    "  width: min(440px, 100vw); --accent: var(--kb-help-accent, #1d4e89); --accent-2: var(--kb-help-accent-2, #e07a1f);",
    // Dark text on the orange: white on it is 3.01:1, this 4.9:1 (WCAG AA 4.5:1), as the help centre's accent.
    "  --on-accent-2: var(--kb-help-on-accent-2, #1f2933); --link: var(--accent);",
    "  --bg: #fff; --fg: #1f2328; --muted: #57606a; --subtle: #f6f8fa; --line: rgba(0,0,0,.1); --hover: #eef3fa;",
    "  --note: #fff8e6; --note-line: #f0dca8; }",
    // The panel follows the reader's light or dark preference, as the help centre in its frame does.
    "@media (prefers-color-scheme: dark) { :host { --link: var(--kb-help-link-dark, #8ab4f8); --bg: #1e2129;",
    "  --fg: #e2e4e9; --muted: #aeb4bf; --subtle: #262a33; --line: rgba(255,255,255,.14); --hover: #2e3440;",
    "  --note: #3a3220; --note-line: #6b5a2e; } }",
    ":host([hidden]) { display: none !important; }",
    "* { box-sizing: border-box; }",
    ".panel { display: flex; flex-direction: column; height: 100%; background: var(--bg); color: var(--fg);",
    "  font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif;",
    "  border-left: 1px solid var(--line); box-shadow: -12px 0 32px rgba(0,0,0,.18);",
    "  animation: slide .18s ease-out; }",
    "@keyframes slide { from { transform: translateX(24px); opacity: 0; } }",
    "@media (prefers-reduced-motion: reduce) { .panel { animation: none; } }",
    ".head { display: flex; align-items: flex-start; gap: 8px; padding: 14px 14px 12px 18px; background: var(--accent); color: #fff; }",
    ".head div { flex: 1; min-width: 0; }",
    "h2 { margin: 4px 0 0; font-size: 18px; font-weight: 650; line-height: 1.3; overflow-wrap: anywhere; outline: none; }",
    ".close { flex: none; width: 32px; height: 32px; border: 0; border-radius: 6px; background: transparent; color: inherit;",
    "  font: 22px/1 system-ui, sans-serif; cursor: pointer; }",
    ".close:hover, .close:focus-visible { background: rgba(255,255,255,.18); }",
    "form { display: flex; gap: 6px; padding: 10px 14px; border-bottom: 1px solid var(--line); background: var(--subtle); }",
    "input { flex: 1; min-width: 0; padding: 7px 10px; border: 1px solid var(--muted); border-radius: 6px; font: inherit; color: inherit; background: var(--bg); }",
    "input:focus { outline: 2px solid var(--accent); outline-offset: -1px; }",
    "button.go, a.case { padding: 7px 12px; border: 1px solid var(--accent); border-radius: 6px; background: var(--accent); color: #fff;",
    "  font: inherit; font-weight: 600; cursor: pointer; text-decoration: none; }",
    ".notice { margin: 0; padding: 10px 16px; background: var(--note); border-bottom: 1px solid var(--note-line); font-size: 13px; }",
    ".bar { display: flex; align-items: center; gap: 8px; padding: 8px 16px; border-bottom: 1px solid var(--line); font-size: 13px; }",
    ".bar .current { flex: 1; min-width: 0; font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }",
    ".bar a, .bar button { color: var(--link); font: inherit; white-space: nowrap; }",
    ".bar button { padding: 0; border: 0; background: none; cursor: pointer; text-decoration: underline; }",
    "iframe { flex: 1; width: 100%; min-height: 120px; border: 0; background: var(--bg); }",
    ".related { max-height: 30%; overflow: auto; padding: 10px 16px 4px; border-top: 1px solid var(--line); }",
    "h3 { margin: 0 0 6px; font-size: 11px; font-weight: 600; letter-spacing: .06em; text-transform: uppercase; color: var(--muted); }",
    "ul { margin: 0; padding: 0; list-style: none; }",
    "li a { display: block; padding: 5px 8px; margin: 0 -8px; border-radius: 6px; color: var(--link); text-decoration: underline; }",
    "li a:hover, li a:focus-visible { background: var(--hover); }",
    "li a[aria-current] { font-weight: 600; background: var(--hover); }",
    ".foot { display: flex; align-items: center; justify-content: space-between; gap: 12px; padding: 12px 16px;",
    "  border-top: 1px solid var(--line); background: var(--subtle); }",
    ".foot p { margin: 0; font-size: 13px; color: var(--muted); }",
    "a.case { background: var(--accent-2); border-color: var(--accent-2); color: var(--on-accent-2); }",
    "a:focus-visible, button:focus-visible { outline: 2px solid var(--accent-2); outline-offset: 2px; }",
    // A 320 px screen: a little less padding, so the title, the links and the case button keep their room.
    "@media (max-width: 360px) { .head { padding-left: 14px; } .bar, .foot, .related { padding-left: 12px; padding-right: 12px; } }",
    "[hidden] { display: none !important; }",
  ].join("\n");

  var panel = null;
  var current = null; // the help shown: lookup()'s result
  var opener = null; // what had the focus, to give it back on close

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    if (text != null) node.textContent = text;
    return node;
  }

  function applyStyle(root) {
    if ("adoptedStyleSheets" in root && typeof CSSStyleSheet === "function") {
      try {
        var sheet = new CSSStyleSheet();
        sheet.replaceSync(STYLE);
        root.adoptedStyleSheets = [sheet];
        return;
      } catch (error) {
        /* older browsers: a style element below */
      }
    }
    root.appendChild(element("style", {}, STYLE));
  }

  function buildPanel() {
    var host = element("div", { "data-kb-help-panel": "" });
    host.hidden = true;
    var root = host.attachShadow({ mode: "open" });
    applyStyle(root);

    var dialog = element("div", { class: "panel", role: "dialog", "aria-modal": "false", "aria-labelledby": "title" });
    var head = element("header", { class: "head" });
    var heading = element("div");
    var title = element("h2", { id: "title", tabindex: "-1" }, "Help");
    heading.appendChild(title);
    var close = element("button", { type: "button", class: "close", "aria-label": "Close help" }, "\u00d7");
    head.appendChild(heading);
    head.appendChild(close);

    var form = element("form", { role: "search" });
    var input = element("input", {
      type: "search",
      name: "q",
      "aria-label": "Search the help centre",
      placeholder: "Search the help centre",
      autocomplete: "off",
      maxlength: "200",
    });
    form.appendChild(input);
    form.appendChild(element("button", { type: "submit", class: "go" }, "Search"));

    var notice = element("p", { class: "notice", role: "status" });
    notice.hidden = true;

    var bar = element("div", { class: "bar" });
    var back = element("button", { type: "button", class: "back" }, "\u2190 Topic");
    back.hidden = true;
    var currentTitle = element("span", { class: "current" });
    var openLink = element("a", { class: "open", target: "_blank", rel: "noopener" }, "Open in a new tab \u2197");
    bar.appendChild(back);
    bar.appendChild(currentTitle);
    bar.appendChild(openLink);

    var frame = element("iframe", { name: FRAME_NAME, title: "Help topic" });

    var related = element("section", { class: "related", "aria-labelledby": "related" });
    related.appendChild(element("h3", { id: "related" }, "Related articles"));
    var list = element("ul");
    related.appendChild(list);
    related.hidden = true;

    var foot = element("footer", { class: "foot" });
    foot.appendChild(element("p", {}, "Still need help?"));
    var caseLink = element("a", { class: "case", target: "_blank", rel: "noopener" }, "Log a case");
    foot.appendChild(caseLink);

    [head, form, notice, bar, frame, related, foot].forEach(function (part) {
      dialog.appendChild(part);
    });
    root.appendChild(dialog);
    (document.body || document.documentElement).appendChild(host);

    close.addEventListener("click", closePanel);
    back.addEventListener("click", function () {
      if (current && current.topic) show(current.topic);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var words = input.value.replace(/\s+/g, " ").trim().slice(0, 200);
      if (words) show({ id: "", title: "Search: " + words, url: helpUrl("?q=" + encodeURIComponent(words)) });
    });
    list.addEventListener("click", function (event) {
      var link = event.target instanceof Element ? event.target.closest("a[data-index]") : null;
      if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
      event.preventDefault();
      show(current.related[Number(link.getAttribute("data-index"))]);
    });
    // Escape closes the panel wherever the focus is: in the panel, on the page behind it (capture, so the
    // page's own handlers cannot swallow it first), and in the frame, whose page tells us (kb.js, below).
    document.addEventListener(
      "keydown",
      function (event) {
        if (event.key === "Escape" && !host.hidden) {
          event.preventDefault();
          closePanel();
        }
      },
      true
    );
    window.addEventListener("message", function (event) {
      if (event.source !== frame.contentWindow || event.origin !== new URL(settings.base).origin) return;
      if (event.data && event.data.kbHelp === "close") closePanel();
      // The frame's page took the focus without the reader (the theme focuses its hidden search box for
      // a ?q= address): back to the title, where opening the panel put it.
      if (event.data && event.data.kbHelp === "focus" && !host.hidden && root.activeElement === frame) {
        title.focus();
      }
    });

    return {
      host: host,
      title: title,
      input: input,
      notice: notice,
      back: back,
      currentTitle: currentTitle,
      openLink: openLink,
      frame: frame,
      related: related,
      list: list,
      caseLink: caseLink,
    };
  }

  // Show one page (the topic, a related article or a search) in the frame, and point the links at it.
  function show(page) {
    panel.frame.setAttribute("src", page.url);
    panel.currentTitle.textContent = page.title;
    panel.openLink.setAttribute("href", page.url);
    panel.back.hidden = !(current.topic && page !== current.topic);
    Array.prototype.forEach.call(panel.list.querySelectorAll("a"), function (link) {
      var index = Number(link.getAttribute("data-index"));
      if (current.related[index] === page) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    });
    var form = new URL(caseUrl());
    form.searchParams.set("page", page.id || (current.topic ? current.topic.id : ""));
    form.searchParams.set("context", current.id);
    panel.caseLink.setAttribute("href", form.href);
  }

  function render(help, raw) {
    current = help;
    panel.title.textContent = panelTitle(help, raw);
    panel.input.value = "";
    var message = "";
    if (!help.known) {
      message = "There is no help topic for this screen yet";
      var words = searchWords(raw);
      message += words ? "; here is a search of the help centre for \u201c" + words + "\u201d." : ".";
    } else if (help.via === "module") {
      message = "This screen has no topic in this help centre yet; here are the articles of its module.";
    } else if (help.via === "search") {
      message = "This screen has no topic yet; here is a search for its name.";
    }
    if (versionMissing) {
      message = "The help for version " + settings.version + " is not published; this is the help for the current version. " + message;
    }
    panel.notice.textContent = message.trim();
    panel.notice.hidden = !message;

    panel.list.textContent = "";
    help.related.forEach(function (page, index) {
      var item = element("li");
      item.appendChild(element("a", { href: page.url, "data-index": String(index) }, page.title));
      panel.list.appendChild(item);
    });
    panel.related.hidden = help.related.length === 0;

    var first = help.topic || { id: "", title: help.known ? help.title : "Search the help centre", url: help.url };
    show(first);
  }

  // "Help for: Gantt chart" (the map's title, in the client's words on a client's centre); for a screen the
  // map does not know, its ID's words: portfolio.heatmap -> "Help for: Portfolio heatmap".
  function panelTitle(help, raw) {
    var words = help.known ? help.title : searchWords(help.id || raw).slice(0, 80).trim();
    return words ? "Help for: " + words.charAt(0).toUpperCase() + words.slice(1) : "Help";
  }

  function renderUnreachable(raw) {
    render({ id: cleanId(raw), known: false, title: null, via: "search", url: searchUrl(searchWords(raw)), topic: null, related: [] }, raw);
    panel.notice.textContent = "The help centre could not be reached. Check your connection, then try again.";
    panel.notice.hidden = false;
  }

  function open(raw) {
    if (!panel) panel = buildPanel();
    var active = document.activeElement;
    if (panel.host.hidden && active && active !== document.body) opener = active;
    panel.host.hidden = false;
    return loadMap().then(
      function (map) {
        render(lookup(map, raw), raw);
        panel.title.focus();
        return current;
      },
      function () {
        renderUnreachable(raw);
        panel.title.focus();
        return current;
      }
    );
  }

  function closePanel() {
    if (!panel || panel.host.hidden) return;
    panel.host.hidden = true;
    panel.frame.setAttribute("src", "about:blank");
    if (opener && typeof opener.focus === "function" && document.contains(opener)) opener.focus();
    opener = null;
  }

  // ---- Declarative use: data-kb-help on anything clickable, data-kb-context around a screen for F1

  document.addEventListener("click", function (event) {
    var trigger = event.target instanceof Element ? event.target.closest("[data-kb-help]") : null;
    if (!trigger) return;
    event.preventDefault();
    open(trigger.getAttribute("data-kb-help"));
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "F1" || event.defaultPrevented) return;
    var from = document.activeElement instanceof Element ? document.activeElement : document.body;
    var screen = (from && from.closest("[data-kb-context]")) || document.querySelector("[data-kb-context]");
    if (!screen) return;
    event.preventDefault();
    open(screen.getAttribute("data-kb-context"));
  });

  // ---- The help centre's own /context/?id=<id> page: send the reader on

  if (script && script.hasAttribute("data-kb-landing")) {
    var wanted = new URLSearchParams(location.search).get("id");
    if (wanted !== null) {
      document.documentElement.classList.add("kb-context-landing");
      url(wanted).then(function (address) {
        location.replace(address);
      });
    }
  }

  window.KBHelp = {
    version: "1",
    open: open,
    close: closePanel,
    url: url,
    configure: configure,
    _receiveMap: receiveMap,
  };
})();
