(function () {
  "use strict";
  var box = document.getElementById("zoeken");
  var list = document.getElementById("resultaten");
  var count = document.getElementById("aantal");
  if (!box || !list) { return; }
  box.hidden = false;
  var query = document.getElementById("q");
  var selects = Array.prototype.slice.call(box.querySelectorAll("select[data-filter]"));
  var items = Array.prototype.slice.call(list.children);
  function matches(item, words) {
    var text = item.getAttribute("data-text") || "";
    for (var i = 0; i < words.length; i++) { if (text.indexOf(words[i]) < 0) { return false; } }
    for (var j = 0; j < selects.length; j++) {
      var wanted = selects[j].value;
      var has = (item.getAttribute("data-" + selects[j].getAttribute("data-filter")) || "").split("|");
      if (wanted && has.indexOf(wanted) < 0) { return false; }
    }
    return true;
  }
  function apply() {
    var words = query.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    items.forEach(function (item) {
      var ok = matches(item, words);
      item.hidden = !ok;
      if (ok) { shown += 1; }
    });
    count.textContent = shown + (shown === 1 ? " algoritme gevonden" : " algoritmes gevonden");
  }
  query.addEventListener("input", apply);
  selects.forEach(function (s) { s.addEventListener("change", apply); });
  apply();
})();
