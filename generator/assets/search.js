/* The header search: a dialog over the Pagefind index (pagefind/ beside the pages),
   which a query fetches in chunks, on demand. No dependencies.

   Keys: "/" or "s" opens it (when not typing elsewhere), Esc closes it, the arrow keys
   move through the results and Enter opens the one selected (the first, until another
   is chosen). `?q=words` on any page opens it with that query, so a
   search can be shared. Every value from the index is inserted as text; an excerpt's
   highlighting is rebuilt from its <mark> elements alone. */
(function () {
  "use strict";

  var SHOWN = 10; // results listed; the rest are one link away, in Explore
  // A query waits this long for the next key: Pagefind runs one search at a time, and
  // a search for every key of a long word queues them (seconds, on a large digest).
  var PAUSE = 120;
  var dialog = document.getElementById("digest-search");
  var opener = document.querySelector("[data-digest-search-open]");
  if (!dialog || !opener) return;
  if (typeof dialog.showModal !== "function") { opener.hidden = true; return; }
  var input = document.getElementById("digest-search-input");
  var list = document.getElementById("digest-search-results");
  var status = document.getElementById("digest-search-status");
  var more = dialog.querySelector(".digest-search__more");
  var moreLink = dialog.querySelector("[data-digest-search-more]");
  var closer = dialog.querySelector("[data-digest-search-close]");
  var root = new URL(dialog.getAttribute("data-root") || "./", document.baseURI);

  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December"];
  var HIDDEN_META = ["title", "date", "summary", "type", "image", "image_alt"];

  var pagefind = null; // a promise of the loaded module
  var asked = 0; // the number of the latest query: an older answer is dropped
  var active = -1; // the selected result, or -1

  function load() {
    if (!pagefind) {
      pagefind = import(new URL("pagefind/pagefind.js", root).href).then(function (module) {
        // Result URLs are paths from the site's root, which may be a sub-path.
        return module.options({ baseUrl: root.pathname, excerptLength: 24 }).then(function () {
          return module;
        });
      });
      pagefind.catch(function () { pagefind = null; });
    }
    return pagefind;
  }

  function longDate(iso) { // "2026-05-12" -> "12 May 2026", as on the site's own pages
    var parts = (iso || "").split("-");
    if (parts.length !== 3) return iso || "";
    return Number(parts[2]) + " " + MONTHS[Number(parts[1]) - 1] + " " + parts[0];
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Pagefind's excerpt is HTML: escaped text with <mark> around the matches. Parsed
  // inertly, only its text and its marks are kept.
  function excerpt(html) {
    var out = element("span", "digest-search__excerpt");
    var parsed = new DOMParser().parseFromString("<body>" + (html || ""), "text/html").body;
    parsed.childNodes.forEach(function (node) {
      if (node.nodeType === Node.TEXT_NODE) out.appendChild(document.createTextNode(node.textContent));
      else if (node.nodeName === "MARK") out.appendChild(element("mark", "", node.textContent));
      else out.appendChild(document.createTextNode(node.textContent || ""));
    });
    return out;
  }

  function option(data, index) {
    var meta = data.meta || {};
    // The link is the option (an option holding a link would nest one control in another).
    var item = element("li", "digest-search__result");
    item.setAttribute("role", "none");
    var link = element("a", "digest-search__link");
    link.id = "digest-search-result-" + index;
    link.setAttribute("role", "option");
    link.setAttribute("aria-selected", "false");
    link.href = data.url;
    link.tabIndex = -1;
    link.appendChild(element("span", "digest-search__name", meta.title || data.url));
    var facts = meta.date ? longDate(meta.date) : meta.type; // an entry's date, or Actor, Topic
    if (facts) link.appendChild(element("span", "digest-search__facts", facts));
    link.appendChild(excerpt(data.excerpt));
    var terms = Object.keys(meta).filter(function (key) { return HIDDEN_META.indexOf(key) === -1; }).sort()
      .map(function (key) { return meta[key]; }).filter(Boolean);
    if (terms.length) link.appendChild(element("span", "digest-search__terms", terms.join(" · ")));
    item.appendChild(link);
    return item;
  }

  function select(index) {
    var items = list.querySelectorAll("[role=option]");
    if (active >= 0 && items[active]) items[active].setAttribute("aria-selected", "false");
    active = index;
    if (active >= 0 && items[active]) {
      items[active].setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", items[active].id);
      items[active].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function show(found, total, query) {
    list.textContent = "";
    list.setAttribute("data-query", query); // what the results answer (for tests and styles)
    active = -1;
    input.removeAttribute("aria-activedescendant");
    found.forEach(function (data, index) { list.appendChild(option(data, index)); });
    input.setAttribute("aria-expanded", found.length ? "true" : "false");
    if (found.length) select(0); // Enter opens the best result, as in most search boxes
    status.textContent = total === 0 ? "No results for \u201c" + query + "\u201d."
      : total === 1 ? "1 result." : total + " results.";
    var explore = new URL("explore/", root);
    explore.searchParams.set("text", query);
    moreLink.href = explore.href;
    moreLink.textContent = total > found.length ? "All " + total + " results in Explore" : "Refine in Explore";
    more.hidden = total === 0;
  }

  function clear() {
    asked++;
    list.textContent = "";
    list.removeAttribute("data-query");
    active = -1;
    input.removeAttribute("aria-activedescendant");
    input.setAttribute("aria-expanded", "false");
    status.textContent = "";
    more.hidden = true;
  }

  function search() {
    var query = input.value.trim();
    if (!query) { clear(); return; }
    var mine = ++asked;
    load().then(function (pf) {
      pf.preload(query); // fetches the chunks of words meanwhile
      return pf.debouncedSearch(query, {}, PAUSE).then(function (response) {
        if (response === null || mine !== asked) return null; // a later key came
        var first = response.results.slice(0, SHOWN);
        return Promise.all(first.map(function (r) { return r.data(); })).then(function (found) {
          if (mine === asked) show(found, response.results.length, query);
        });
      });
    }).catch(function () {
      if (mine === asked) status.textContent = "Search could not be loaded.";
    });
  }

  function open(query) {
    if (!dialog.open) dialog.showModal();
    if (typeof query === "string") input.value = query;
    input.focus();
    input.select();
    if (input.value.trim()) search();
    else load().catch(function () {}); // the scripts and the index's table, before the first key
  }

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  function shut() {
    dialog.close();
    opener.focus(); // where the reader was, whichever way the search was opened
  }

  opener.addEventListener("click", function () { open(); });
  closer.addEventListener("click", shut);
  // A click on the backdrop lands on the dialog itself: it closes the search.
  dialog.addEventListener("click", function (event) { if (event.target === dialog) shut(); });
  // Esc closes the dialog even from the search field (which would only clear itself);
  // Tab and Shift-Tab go round the dialog's controls, never out of it to the browser.
  dialog.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      event.preventDefault();
      shut();
    } else if (event.key === "Tab") {
      var stops = [input, closer].concat(more.hidden ? [] : [moreLink]);
      var at = stops.indexOf(document.activeElement);
      var next = event.shiftKey ? (at <= 0 ? stops.length - 1 : at - 1) : (at + 1) % stops.length;
      event.preventDefault();
      stops[next].focus();
    }
  });
  input.addEventListener("input", search);
  input.addEventListener("keydown", function (event) {
    var count = list.children.length;
    if (event.key === "ArrowDown" && count) {
      event.preventDefault();
      select(active + 1 < count ? active + 1 : 0);
    } else if (event.key === "ArrowUp" && count) {
      event.preventDefault();
      select(active > 0 ? active - 1 : count - 1);
    } else if (event.key === "Enter") {
      event.preventDefault();
      var chosen = active >= 0 ? list.children[active] : null;
      if (chosen) window.location.href = chosen.querySelector("a").href;
    }
  });
  document.addEventListener("keydown", function (event) {
    if (dialog.open || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (event.key === "/" || event.key === "s") {
      event.preventDefault();
      open();
    }
  });

  var shared = new URLSearchParams(window.location.search).get("q");
  if (shared) open(shared);
})();
