// writethru: small improvements on pages that work without JavaScript.
// j/n and k/p move between changes on the compare page; a link to a folded row opens its fold;
// a move link ("moved down to ¶5") marks the row it leads to, and j/k go on from there.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  var current = -1;

  function changes() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-change]"));
  }

  function openFolds(el) {
    for (var d = el.closest("details"); d; d = d.parentElement && d.parentElement.closest("details")) {
      d.open = true;
    }
  }

  function mark(row) {
    var previous = document.querySelector(".row.is-current");
    if (previous) previous.classList.remove("is-current");
    row.classList.add("is-current");
  }

  function show(el) {
    openFolds(el);
    mark(el);
    el.focus({ preventScroll: true });
    el.scrollIntoView({ block: "center" });
    // replaceState, not location.hash: the URL names the change without adding history entries.
    history.replaceState(null, "", "#" + el.id);
  }

  // Where to start when no change was visited yet: the first one below the top of the window.
  function startIndex(list, step) {
    var top = 0;
    for (var i = 0; i < list.length; i++) {
      if (list[i].getBoundingClientRect().top > top + 1) return step > 0 ? i : i - 1;
    }
    return step > 0 ? list.length : list.length - 1;
  }

  function move(step) {
    var list = changes();
    if (!list.length) return;
    var index = current >= 0 && current < list.length ? current + step : startIndex(list, step);
    index = Math.max(0, Math.min(list.length - 1, index));
    current = index;
    show(list[index]);
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.defaultPrevented) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(target.tagName))) return;
    if (event.key === "j" || event.key === "n") { move(1); event.preventDefault(); }
    else if (event.key === "k" || event.key === "p") { move(-1); event.preventDefault(); }
  });

  function revealHash() {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id && document.getElementById(id);
    if (!el) return;
    openFolds(el);
    var list = changes();
    var row = el.closest("[data-change]");
    if (row) {
      current = list.indexOf(row);
      mark(row);
    }
    el.scrollIntoView({ block: "center" });
  }

  window.addEventListener("hashchange", revealHash);
  document.addEventListener("DOMContentLoaded", revealHash);
})();

// "Since you last looked": the browser remembers the newest version of each story the reader
// opened (localStorage only: no account, no server state) and, on the story's page, offers the
// compare from there to the latest. Without JavaScript or storage the pages are unchanged.
(function () {
  "use strict";
  var PREFIX = "writethru:seen:";

  // Storage can be missing or throw (private mode, blocked cookies): then remember nothing.
  function seen(article) {
    try {
      var n = parseInt(window.localStorage.getItem(PREFIX + article), 10);
      return n > 0 ? n : 0;
    } catch (e) {
      return 0;
    }
  }

  function remember(article, version) {
    if (!(version > 0) || version <= seen(article)) return;
    try {
      window.localStorage.setItem(PREFIX + article, String(version));
    } catch (e) {
      /* storage refused: nothing to keep */
    }
  }

  function offer(head, from, latest) {
    var url = head.getAttribute("data-compare").replace("FROM...TO", from + "..." + latest);
    var p = document.createElement("p");
    p.className = "since-last";
    var a = document.createElement("a");
    a.href = url;
    a.textContent = "Since you last looked (v" + from + "): compare v" + from + "…v" + latest;
    p.appendChild(a);
    var actions = head.querySelector(".actions");
    head.insertBefore(p, actions || null);
  }

  function timeline(head) {
    var article = head.getAttribute("data-article");
    var latest = parseInt(head.getAttribute("data-version"), 10);
    if (!article || !(latest > 0)) return;
    var last = seen(article);
    if (last > 0 && last < latest) offer(head, last, latest);
    remember(article, latest);
  }

  // The compare and version pages say what they show in their address.
  function otherPage() {
    var m = /\/articles\/([^/]+)\/(?:compare\/\d+\.\.\.(\d+)|versions\/(\d+))\/?$/.exec(location.pathname);
    if (m) remember(decodeURIComponent(m[1]), parseInt(m[2] || m[3], 10));
  }

  function start() {
    var head = document.querySelector(".page-head[data-article][data-version]");
    if (head) timeline(head);
    else otherPage();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
