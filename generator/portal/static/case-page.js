// The agent's case page: who else is on the case (a heartbeat every few seconds), the composer's saved
// replies and article search, and its keys (r: reply, Escape: leave the field). No inline script: the
// portal's CSP forbids it. Text from the server is only ever set as textContent.
(function () {
  "use strict";

  var composer = null;

  function csrf() {
    var field = document.querySelector("input[name=csrf_token]");
    return field ? field.value : "";
  }

  // Put `text` into the composer where the cursor is, on lines of its own.
  function insert(text) {
    if (!composer) return;
    var start = composer.selectionStart, end = composer.selectionEnd;
    var before = composer.value.slice(0, start), after = composer.value.slice(end);
    var lead = before && !/\n$/.test(before) ? "\n" : "";
    composer.value = before + lead + text + "\n" + after;
    var caret = (before + lead + text + "\n").length;
    composer.focus();
    composer.setSelectionRange(caret, caret);
    composer.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function presence() {
    var box = document.getElementById("presence");
    if (!box || !window.fetch) return;
    var every = 5000, typed = false, lastTyping = 0, timer = null;
    var version = box.getAttribute("data-version");

    function show(data) {
      box.textContent = "";
      (data.others || []).forEach(function (other) {
        var who = document.createElement("span");
        who.className = "presence__who" + (other.typing ? " presence__who--typing" : "");
        who.textContent = other.name + (other.typing ? " is typing…" : " has this case open");
        box.appendChild(who);
      });
      if (String(data.version) !== version) {
        var changed = document.createElement("span");
        changed.className = "presence__changed";
        changed.textContent = "This case has changed since you opened it: reload to see what changed (copy your text first).";
        box.appendChild(changed);
      }
      if (data.every) every = data.every * 1000;
    }

    function beat() {
      clearTimeout(timer);
      var body = new FormData();
      body.append("typing", typed ? "1" : "0");
      if (typed) lastTyping = Date.now();
      typed = false;
      fetch(box.getAttribute("data-url"), {
        method: "POST", body: body, credentials: "same-origin",
        headers: { "X-CSRFToken": csrf(), Accept: "application/json" },
      })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) { if (data) show(data); })
        .catch(function () {})
        .then(function () { timer = setTimeout(beat, every); });
    }

    if (composer) {
      composer.addEventListener("input", function () {
        typed = true;
        // The first keystroke after a quiet spell is told at once, not at the next heartbeat.
        if (Date.now() - lastTyping > every) beat();
      });
    }
    beat();
  }

  function savedReplies() {
    var choice = document.getElementById("saved-reply");
    var button = document.getElementById("insert-saved");
    if (!choice || !button) return;
    button.addEventListener("click", function () { insert(choice.value); });
  }

  function articles() {
    var tools = document.getElementById("composer-tools");
    var query = document.getElementById("article-q");
    var find = document.getElementById("find-article");
    var picks = document.getElementById("article-picks");
    if (!tools || !query || !find || !picks) return;
    var base = (tools.getAttribute("data-base") || "").replace(/\/$/, "");

    function show(hits) {
      picks.textContent = "";
      if (!hits.length) {
        var none = document.createElement("li");
        none.textContent = "No article matches.";
        picks.appendChild(none);
      }
      hits.forEach(function (hit) {
        var item = document.createElement("li");
        var title = document.createElement("span");
        title.className = "article-picks__title";
        title.textContent = hit.title + " ";
        var button = document.createElement("button");
        button.type = "button";
        button.textContent = "Insert";
        button.setAttribute("aria-label", "Insert " + hit.title);
        button.addEventListener("click", function () {
          var lines = [hit.title, base + "/" + hit.url];
          if (hit.summary) lines.push(hit.summary);
          insert(lines.join("\n"));
        });
        item.appendChild(title);
        item.appendChild(button);
        picks.appendChild(item);
      });
    }

    function run() {
      var words = query.value.trim();
      if (!words) { picks.textContent = ""; return; }
      fetch(tools.getAttribute("data-search") + "?q=" + encodeURIComponent(words), {
        credentials: "same-origin", headers: { Accept: "application/json" },
      })
        .then(function (response) { return response.ok ? response.json() : { hits: [] }; })
        .then(function (data) { show(data.hits || []); })
        .catch(function () { show([]); });
    }

    find.addEventListener("click", run);
    query.addEventListener("keydown", function (event) {
      // Enter searches here; it must not send the reply form around it.
      if (event.key === "Enter") { event.preventDefault(); run(); }
    });
  }

  // The page's keys, in the console's shared registry (static/console-keys.js shows them on "?" and
  // dispatches them when it is loaded); without it, this page dispatches its own.
  var keys = [
    { key: "r", description: "Reply: go to the composer", run: function () { if (composer) composer.focus(); } },
    {
      key: "t", description: "Type and fix: go to the case's type",
      run: function () { var type = document.getElementById("case-type"); if (type) type.focus(); },
    },
    {
      key: "Escape", description: "Leave the field you are in", inFields: true,
      run: function () {
        var picks = document.getElementById("article-picks");
        if (picks) picks.textContent = "";
        if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
      },
    },
  ];
  if (window.consoleKeys) {
    // The console's registry (console-keys.js, loaded before this file): it dispatches, and "?" lists them.
    keys.forEach(function (entry) {
      window.consoleKeys.add(entry.key, entry.description, entry.run, { inFields: entry.inFields });
    });
  } else {
    document.addEventListener("keydown", function (event) {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
      keys.forEach(function (entry) {
        if (event.key !== entry.key || (typingIn(event.target) && !entry.inFields)) return;
        event.preventDefault();
        entry.run(event);
      });
    });
  }

  function typingIn(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  document.addEventListener("DOMContentLoaded", function () {
    composer = document.getElementById("text");
    presence();
    savedReplies();
    articles();
  });
})();
