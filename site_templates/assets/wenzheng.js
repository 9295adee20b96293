/*
 * Loaded on every page (mkdocs.yml extra_javascript):
 * - shows the staleness warning when the page's data is older than the policy allows;
 * - runs the header search over the Pagefind bundles of the letters (one or more per year).
 * Search results are built with createElement and textContent only, so text
 * from letters is never parsed as HTML.
 */
(function () {
  "use strict";

  var MAX_RESULTS = 10;
  var SNIPPET_CHARACTERS = 80;

  // The latest build's as-of moment and search bundles. Letter pages of final years are
  // reused from earlier builds, so what they carry in their HTML may be older than this.
  var buildInfo = null;

  function loadBuildInfo(root) {
    if (!buildInfo) {
      buildInfo = window.fetch(new URL("data/build.json", root).href, { cache: "no-cache" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .catch(function () { return null; });
    }
    return buildInfo;
  }

  function applyBuildInfo(info) {
    if (!info) {
      return;
    }
    var lines = document.querySelectorAll(".wz-asof__line");
    for (var i = 0; i < lines.length; i++) {
      lines[i].textContent = info.as_of;
    }
    var nodes = document.querySelectorAll(".wz-stale[data-as-of]");
    for (var j = 0; j < nodes.length; j++) {
      nodes[j].setAttribute("data-as-of", info.as_of_iso);
    }
    var boxes = document.querySelectorAll("[data-wz-search]");
    for (var k = 0; k < boxes.length; k++) {
      boxes[k].setAttribute("data-bundles", (info.search_bundles || []).join(","));
    }
  }

  function showStaleness() {
    var nodes = document.querySelectorAll(".wz-stale[data-as-of]");
    for (var i = 0; i < nodes.length; i++) {
      nodes[i].hidden = true;
      var asOf = Date.parse(nodes[i].getAttribute("data-as-of"));
      var hours = Number(nodes[i].getAttribute("data-stale-hours"));
      if (!isNaN(asOf) && hours > 0 && Date.now() - asOf > hours * 3600 * 1000) {
        nodes[i].hidden = false;
      }
    }
  }

  function siteRoot(box) {
    return new URL((box.getAttribute("data-base") || ".") + "/", window.location.href);
  }

  var loading = null;

  // Import the newest bundle and merge the others (older years, other parts of a year) into it.
  function loadPagefind(box) {
    if (loading) {
      return loading;
    }
    var root = siteRoot(box);
    loading = loadBuildInfo(root).then(function (info) {
      applyBuildInfo(info);
      var bundles = (box.getAttribute("data-bundles") || "").split(",").filter(Boolean);
      if (!bundles.length) {
        throw new Error("no search index");
      }
      return import(new URL("pagefind/" + bundles[0] + "/pagefind.js", root).href).then(function (pagefind) {
        return mergeBundles(pagefind, bundles, root);
      });
    });
    loading.catch(function () { loading = null; });
    return loading;
  }

  function mergeBundles(pagefind, bundles, root) {
    var chain = pagefind.options({ baseUrl: root.pathname });
    bundles.slice(1).forEach(function (bundle) {
      chain = chain.then(function () {
        return pagefind.mergeIndex(new URL("pagefind/" + bundle + "/", root).href, { baseUrl: root.pathname });
      });
    });
    return chain.then(function () { return pagefind; });
  }

  function terms(query) {
    return query.split(/\s+/).filter(Boolean);
  }

  // Cut a snippet of plain text around the first query term. Pagefind's extended
  // build stores Chinese text with zero-width spaces between the words it found.
  function snippet(content, words) {
    var text = (content || "").replace(/\u200b/g, "").replace(/\s+/g, " ");
    var at = -1;
    for (var i = 0; i < words.length && at < 0; i++) {
      at = text.indexOf(words[i]);
    }
    var start = Math.max(0, at - SNIPPET_CHARACTERS / 4);
    var cut = text.slice(start, start + SNIPPET_CHARACTERS);
    return (start > 0 ? "…" : "") + cut + (start + SNIPPET_CHARACTERS < text.length ? "…" : "");
  }

  // Append text to node, wrapping each occurrence of a query term in <mark>.
  function appendMarked(node, text, words) {
    var pattern = words.map(function (word) { return word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }).join("|");
    if (!pattern) {
      node.appendChild(document.createTextNode(text));
      return;
    }
    var parts = text.split(new RegExp("(" + pattern + ")"));
    for (var i = 0; i < parts.length; i++) {
      if (i % 2 === 1) {
        var mark = document.createElement("mark");
        mark.textContent = parts[i];
        node.appendChild(mark);
      } else if (parts[i]) {
        node.appendChild(document.createTextNode(parts[i]));
      }
    }
  }

  function message(panel, text) {
    var note = document.createElement("p");
    note.className = "wz-search__note";
    note.textContent = text;
    panel.appendChild(note);
  }

  function render(box, panel, query, hits) {
    var words = terms(query);
    panel.textContent = "";
    if (!hits.length) {
      message(panel, box.getAttribute("data-empty"));
    }
    hits.forEach(function (data) {
      var link = document.createElement("a");
      link.className = "wz-search__hit";
      link.href = data.url;
      var title = document.createElement("strong");
      title.textContent = ((data.meta && data.meta.title) || data.url).replace(/\u200b/g, "");
      var text = document.createElement("span");
      appendMarked(text, snippet(data.content, words), words);
      link.appendChild(title);
      link.appendChild(text);
      panel.appendChild(link);
    });
    message(panel, box.getAttribute("data-private"));
    panel.hidden = false;
  }

  function setUpSearch(box) {
    var input = box.querySelector("input");
    var panel = box.querySelector(".wz-search__results");
    var timer = null;
    var latest = 0;

    function run() {
      var query = input.value.trim();
      var ticket = ++latest;
      if (!query) {
        panel.hidden = true;
        return;
      }
      loadPagefind(box)
        .then(function (pagefind) { return pagefind.search(query); })
        .then(function (search) {
          var firstResults = search.results.slice(0, MAX_RESULTS);
          return Promise.all(firstResults.map(function (result) { return result.data(); }));
        })
        .then(function (hits) {
          if (ticket === latest) {
            render(box, panel, query, hits);
          }
        })
        .catch(function () {
          if (ticket === latest) {
            panel.textContent = "";
            message(panel, box.getAttribute("data-failed"));
            panel.hidden = false;
          }
        });
    }

    input.addEventListener("focus", function () { loadPagefind(box).catch(function () {}); });
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(run, 250);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        panel.hidden = true;
        input.blur();
      } else if (event.key === "Enter") {
        var first = panel.querySelector("a");
        if (first && !panel.hidden) {
          window.location.href = first.href;
        }
      }
    });
    document.addEventListener("click", function (event) {
      if (!box.contains(event.target)) {
        panel.hidden = true;
      }
    });
  }

  function start() {
    showStaleness();
    var boxes = document.querySelectorAll("[data-wz-search]");
    if (boxes.length) {
      loadBuildInfo(siteRoot(boxes[0])).then(function (info) {
        applyBuildInfo(info);
        showStaleness();
      });
    }
    for (var i = 0; i < boxes.length; i++) {
      setUpSearch(boxes[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
