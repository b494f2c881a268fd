// edgelab serve's UI: times in the browser's locale, and the request list kept live by
// polling its JSON twin; when the newest matching request changes, the list is fetched
// again as the server renders it (no HTML is built here, so nothing is injected).
(function () {
  "use strict";
  var FORMAT = {month: "short", day: "numeric",
                hour: "2-digit", minute: "2-digit", second: "2-digit"};

  function localTimes(root) {
    root.querySelectorAll("time[datetime]").forEach(function (el) {
      var iso = el.getAttribute("datetime");
      var d = new Date(iso);
      if (!iso || isNaN(d.getTime())) { return; }
      el.textContent = d.toLocaleString(undefined, FORMAT);
      el.title = iso;
    });
  }

  localTimes(document);
  var box = document.getElementById("requests");
  var live = document.getElementById("live");
  if (!box || !window.fetch) { return; }
  var twin = new URL(box.dataset.live, location.href);
  twin.searchParams.set("limit", "1");
  var FAST = 1000, SLOW = 5000, delay = FAST;

  function mark(ok) {
    if (!live) { return; }
    live.hidden = false;
    live.textContent = ok ? "live" : "offline, retrying";
    live.classList.toggle("offline", !ok);
  }

  function swap() {
    return fetch(location.href, {headers: {"Accept": "text/html"}, cache: "no-store"})
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
      .then(function (text) {
        var fresh = new DOMParser().parseFromString(text, "text/html").getElementById("requests");
        if (!fresh) { return; }
        fresh = document.adoptNode(fresh);
        localTimes(fresh);
        box.replaceWith(fresh);
        box = fresh;
      });
  }

  function poll() {
    if (document.hidden) { setTimeout(poll, delay); return; }
    fetch(twin, {headers: {"Accept": "application/json"}, cache: "no-store"})
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) {
        var head = data.requests.length ? data.requests[0].request_id : "";
        var changed = head !== box.dataset.head || String(data.matching) !== box.dataset.matching;
        return changed ? swap() : null;
      })
      .then(function () { mark(true); delay = FAST; },
            function () { mark(false); delay = SLOW; })
      .then(function () { setTimeout(poll, delay); });
  }

  mark(true);
  setTimeout(poll, FAST);
})();
