/* The explore page: filter every entry by term, date range and text, through the
   Pagefind index (pagefind/ beside the pages). Facets are its filters (named by the
   facet's singular: actor, topic), the entry's day is a filter too (for the date
   range) and its sort (newest first). Without text it searches for "entry", a word
   every entry has (its type): Pagefind answers a query with no text from its filters
   alone, but fetches every chunk of words first, megabytes for a large digest. Only
   the results shown are fetched, a few at a time. No dependencies. Every value from the index is inserted with textContent or
   as an attribute through the DOM, never as HTML.

   The filters live in the URL (?actor=china&topic=model-access&from=2025-01-01&text=chips;
   repeated keys for several values), so a view can be shared. The text filter is
   "text": "q" opens the header search. */
(function () {
  "use strict";

  var PAGE = 20; // results shown at first, and added by "Show more"
  var form = document.getElementById("digest-explore");
  if (!form) return;
  var count = document.getElementById("explore-count");
  var results = document.getElementById("explore-results");
  var more = document.getElementById("explore-more");
  var root = new URL(form.getAttribute("data-root") || "../", document.baseURI);
  var first = form.getAttribute("data-first") || "";
  var last = form.getAttribute("data-last") || "";
  var selects = Array.prototype.slice.call(form.querySelectorAll("select[data-facet]"));
  var text = form.elements.namedItem("text");
  var from = form.elements.namedItem("from");
  var to = form.elements.namedItem("to");

  var names = {}; // filter name -> term key -> term name
  selects.forEach(function (select) {
    names[select.name] = {};
    Array.prototype.forEach.call(select.options, function (option) {
      names[select.name][option.value] = option.getAttribute("data-name") || option.value;
    });
  });

  var pagefind = null; // a promise of the module, with its filters loaded
  var asked = 0; // the number of the latest query: an older answer is dropped
  var matches = [];
  var shown = 0;

  function load() {
    if (!pagefind) {
      pagefind = import(new URL("pagefind/pagefind.js", root).href).then(function (module) {
        return module.options({ baseUrl: root.pathname })
          .then(function () { return module.filters(); }) // loaded once: counts need them
          .then(function () { return module; });
      });
    }
    return pagefind;
  }

  function selected(select) {
    return Array.prototype.slice.call(select.selectedOptions).map(function (o) { return o.value; });
  }

  function readUrl() {
    var params = new URLSearchParams(window.location.search);
    text.value = params.get("text") || "";
    from.value = params.get("from") || "";
    to.value = params.get("to") || "";
    selects.forEach(function (select) {
      var wanted = params.getAll(select.name);
      Array.prototype.forEach.call(select.options, function (option) {
        option.selected = wanted.indexOf(option.value) !== -1;
      });
    });
  }

  function writeUrl() {
    var params = new URLSearchParams();
    if (text.value.trim()) params.set("text", text.value.trim());
    selects.forEach(function (select) {
      selected(select).forEach(function (key) { params.append(select.name, key); });
    });
    if (from.value) params.set("from", from.value);
    if (to.value) params.set("to", to.value);
    var query = params.toString();
    window.history.replaceState(null, "", window.location.pathname + (query ? "?" + query : ""));
  }

  function iso(day) { return day.toISOString().slice(0, 10); }

  // The days of the range that entries can have (the digest's first to last), or null
  // for no range. Dates are compared as YYYY-MM-DD text.
  function days() {
    if (!from.value && !to.value) return null;
    var start = from.value > first ? from.value : first;
    var end = to.value && to.value < last ? to.value : last;
    var list = [];
    if (!start || !end) return list;
    for (var day = new Date(start + "T00:00:00Z"); iso(day) <= end; day.setUTCDate(day.getUTCDate() + 1)) {
      list.push(iso(day));
    }
    return list;
  }

  function filters() {
    var wanted = {};
    selects.forEach(function (select) {
      var keys = selected(select);
      if (keys.length) wanted[select.name] = keys; // a list: an entry must have all of them
    });
    var range = days();
    if (range) wanted.date = { any: range };
    return wanted;
  }

  function counted(response) {
    var found = response.filters || {};
    selects.forEach(function (select) {
      Array.prototype.forEach.call(select.options, function (option) {
        var n = (found[select.name] || {})[option.value] || 0;
        option.textContent = names[select.name][option.value] + " (" + n + ")";
      });
    });
  }

  function filter() {
    var mine = ++asked;
    var wanted = filters();
    if (wanted.date && wanted.date.any.length === 0) { // a range with no day of the digest
      done({ results: [], filters: {} }, mine);
      return;
    }
    load().then(function (pf) {
      // Sorted by date: pages without one (actors, topics) are never results.
      return pf.search(text.value.trim() || "entry", { filters: wanted, sort: { date: "desc" } });
    }).then(function (response) {
      done(response, mine);
    }).catch(function () {
      if (mine === asked) count.textContent = "The entries could not be loaded. Browse by topic, actor, week or the archive instead.";
    });
  }

  // The count, the options' counts and the first cards change together, once the
  // first cards' data has come.
  function done(response, mine) {
    if (mine !== asked) return;
    var next = response.results.slice(0, PAGE);
    cards(next).then(function (fragment) {
      if (mine !== asked) return;
      matches = response.results;
      shown = next.length;
      counted(response);
      count.textContent = matches.length === 0 ? "No entries match." :
        matches.length === 1 ? "1 entry matches." : matches.length + " entries match.";
      results.textContent = "";
      results.appendChild(fragment);
      more.hidden = shown >= matches.length;
    });
  }

  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December"];

  function longDate(value) { // "2026-05-12" -> "12 May 2026", as on the site's own cards
    var parts = (value || "").split("-");
    if (parts.length !== 3) return value || "";
    return Number(parts[2]) + " " + MONTHS[Number(parts[1]) - 1] + " " + parts[0];
  }

  function element(tag, className, content) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (content !== undefined) node.textContent = content;
    return node;
  }

  function card(data) {
    var meta = data.meta || {};
    var box = element("div", "digest-card");
    var date = element("p", "digest-card__date");
    var time = element("time", "", longDate(meta.date));
    time.setAttribute("datetime", meta.date || "");
    date.appendChild(time);
    box.appendChild(date);
    var heading = element("h3", "digest-card__title");
    var link = element("a", "", meta.title || data.url);
    link.setAttribute("href", data.url);
    heading.appendChild(link);
    box.appendChild(heading);
    box.appendChild(element("p", "digest-card__summary", meta.summary || ""));
    var chips = element("p", "digest-chips");
    selects.forEach(function (select) {
      var facet = select.getAttribute("data-facet");
      ((data.filters || {})[select.name] || []).forEach(function (key) {
        var chip = element("a", "digest-chip digest-chip--" + facet, names[select.name][key] || key);
        chip.setAttribute("href", new URL(facet + "/" + encodeURIComponent(key) + "/", root).href);
        chips.appendChild(chip);
      });
    });
    box.appendChild(chips);
    return box;
  }

  function cards(next) {
    return Promise.all(next.map(function (result) { return result.data(); })).then(function (found) {
      var fragment = document.createDocumentFragment();
      found.forEach(function (data) { fragment.appendChild(card(data)); });
      return fragment;
    });
  }

  function showMore() {
    var mine = asked;
    var next = matches.slice(shown, shown + PAGE);
    more.hidden = true;
    cards(next).then(function (fragment) {
      if (mine !== asked) return;
      shown += next.length;
      results.appendChild(fragment);
      more.hidden = shown >= matches.length;
    });
  }

  function update() {
    writeUrl();
    filter();
  }

  var pending = null;
  function later() {
    window.clearTimeout(pending);
    pending = window.setTimeout(update, 120);
  }

  form.addEventListener("submit", function (event) { event.preventDefault(); update(); });
  form.addEventListener("change", update);
  text.addEventListener("input", later);
  form.addEventListener("reset", function () { window.setTimeout(update, 0); });
  more.addEventListener("click", showMore);
  window.addEventListener("popstate", function () { readUrl(); filter(); });

  readUrl();
  filter();
})();
