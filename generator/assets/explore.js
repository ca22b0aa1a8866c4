/* The explore page: filter every entry by term, date range and text, client-side, over
   /entries.json. No dependencies. Every value from the data is inserted with
   textContent or as an attribute through the DOM, never as HTML. The filters live in
   the URL (?actor=china&topic=model-access&from=2025-01-01&text=chips; repeated keys for
   several values), so a view can be shared. The text filter is "text", not "q": Material's
   search reads ?q= on every page and would open its dialog over the results. */
(function () {
  "use strict";

  var PAGE = 50; // results shown at first, and added by "Show more"
  var form = document.getElementById("digest-explore");
  if (!form) return;
  var count = document.getElementById("explore-count");
  var results = document.getElementById("explore-results");
  var more = document.getElementById("explore-more");
  var root = form.getAttribute("data-root") || "../";
  var selects = Array.prototype.slice.call(form.querySelectorAll("select[data-facet]"));
  var text = form.elements.namedItem("text");
  var from = form.elements.namedItem("from");
  var to = form.elements.namedItem("to");

  var data = null; // the parsed entries.json
  var names = {}; // facet -> term key -> name
  var haystacks = []; // per entry: lowercased searchable text
  var matches = [];
  var shown = 0;

  function words(value) {
    return value.toLowerCase().split(/\s+/).filter(function (w) { return w.length > 0; });
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

  function filter() {
    var terms = words(text.value);
    var wanted = selects.map(function (select) { return [select.getAttribute("data-facet"), selected(select)]; });
    var start = from.value;
    var end = to.value;
    matches = [];
    data.entries.forEach(function (entry, index) {
      if (start && entry.date < start) return;
      if (end && entry.date > end) return;
      for (var i = 0; i < wanted.length; i++) {
        var have = entry[wanted[i][0]] || [];
        for (var j = 0; j < wanted[i][1].length; j++) {
          if (have.indexOf(wanted[i][1][j]) === -1) return;
        }
      }
      for (var k = 0; k < terms.length; k++) {
        if (haystacks[index].indexOf(terms[k]) === -1) return;
      }
      matches.push(entry);
    });
    count.textContent = matches.length === 0 ? "No entries match." :
      matches.length === 1 ? "1 entry matches." : matches.length + " entries match.";
    results.textContent = "";
    shown = 0;
    showMore();
  }

  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December"];

  function longDate(iso) { // "2026-05-12" -> "12 May 2026", as on the site's own cards
    var parts = iso.split("-");
    return Number(parts[2]) + " " + MONTHS[Number(parts[1]) - 1] + " " + parts[0];
  }

  function element(tag, className, content) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (content !== undefined) node.textContent = content;
    return node;
  }

  function card(entry) {
    var box = element("div", "digest-card");
    var date = element("p", "digest-card__date");
    var time = element("time", "", longDate(entry.date));
    time.setAttribute("datetime", entry.date);
    date.appendChild(time);
    box.appendChild(date);
    var heading = element("h3", "digest-card__title");
    var link = element("a", "", entry.title);
    link.setAttribute("href", root + entry.path);
    heading.appendChild(link);
    box.appendChild(heading);
    box.appendChild(element("p", "digest-card__summary", entry.summary));
    var chips = element("p", "digest-chips");
    data.facets.forEach(function (facet) {
      (entry[facet.key] || []).forEach(function (key) {
        var chip = element("a", "digest-chip digest-chip--" + facet.key, names[facet.key][key] || key);
        chip.setAttribute("href", root + facet.key + "/" + encodeURIComponent(key) + "/");
        chips.appendChild(chip);
      });
    });
    box.appendChild(chips);
    return box;
  }

  function showMore() {
    var fragment = document.createDocumentFragment();
    var stop = Math.min(shown + PAGE, matches.length);
    for (; shown < stop; shown++) fragment.appendChild(card(matches[shown]));
    results.appendChild(fragment);
    more.hidden = shown >= matches.length;
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

  function prepare(json) {
    data = json;
    data.facets.forEach(function (facet) {
      names[facet.key] = {};
      (data.terms[facet.key] || []).forEach(function (term) { names[facet.key][term.key] = term.name; });
    });
    haystacks = data.entries.map(function (entry) {
      var parts = [entry.title, entry.summary];
      (entry.sources || []).forEach(function (s) { parts.push(s.publisher, s.title || ""); });
      data.facets.forEach(function (facet) {
        (entry[facet.key] || []).forEach(function (key) { parts.push(names[facet.key][key] || key); });
      });
      return parts.join(" ").toLowerCase();
    });
    readUrl();
    filter();
  }

  form.addEventListener("submit", function (event) { event.preventDefault(); update(); });
  form.addEventListener("change", update);
  text.addEventListener("input", later);
  form.addEventListener("reset", function () { window.setTimeout(update, 0); });
  more.addEventListener("click", showMore);
  window.addEventListener("popstate", function () { if (data) { readUrl(); filter(); } });

  fetch(form.getAttribute("data-entries"))
    .then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    })
    .then(prepare)
    .catch(function () {
      count.textContent = "The entries could not be loaded. Browse by topic, actor, week or the archive instead.";
    });
})();
