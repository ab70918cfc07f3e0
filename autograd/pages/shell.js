// The shell shared by every chainrule page (shell.py's document()): one window.chainrule per page.
//
// On every page:     window.chainrule = {data, extend(members)}
//   data             the page's JSON block, NaN and ±Infinity revived
//   extend(members)  adds a page's own members (its script runs after this one); a name taken
//                    already is an error, so two scripts never silently replace each other's
// With a timeline (a Page's): frames, frame, go(k), next(), prev(), play(), pause(), playing(),
//   render(fn)       fn(frame) runs now and on every change of frame
// Inside an iframe (a notebook output, the site's playground), the page reports its height to the
// embedding output (shell.py's embed()), which makes the iframe exactly as tall: no band, no cut.
"use strict";
(function () {
  // Non-finite floats travel as {"$float": "NaN" | "Infinity" | "-Infinity"} (see shell.py).
  function revive(key, value) {
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      var keys = Object.keys(value);
      if (keys.length === 1 && keys[0] === "$float") return Number(value.$float);
    }
    return value;
  }

  var chainrule = {
    data: JSON.parse(document.getElementById("chainrule-data").textContent, revive),
    extend: function (members) {
      Object.keys(members).forEach(function (name) {
        if (name in chainrule) throw new Error("chainrule.extend: chainrule." + name + " exists already");
        chainrule[name] = members[name];
      });
      return chainrule;
    },
  };
  window.chainrule = chainrule;
  if (document.querySelector(".cr-timeline")) timeline(chainrule);
  if (window.parent !== window) reportHeight();

  function reportHeight() {
    // The document's own height (its root element's box, which unlike scrollHeight does not grow to
    // fill the iframe), plus a horizontal scrollbar's if one shows: all of the page, nothing more.
    var root = document.documentElement, last = 0;
    var report = function () {
      var height = Math.ceil(root.getBoundingClientRect().height + (window.innerHeight - root.clientHeight));
      if (height === last) return;
      last = height;
      window.parent.postMessage({ chainruleHeight: height }, "*");
    };
    window.addEventListener("load", report);
    window.addEventListener("resize", report);
    if (window.ResizeObserver) new ResizeObserver(report).observe(root);
    report();
    // A front end that renders outputs out of sight loads the page with no room: its scripts
    // measured nothing, so the page loads again once it has room, to lay itself out in it.
    if (window.innerWidth === 0) {
      window.addEventListener("resize", function again() {
        if (window.innerWidth === 0) return;
        window.removeEventListener("resize", again);
        location.reload();
      });
    }
  }

  function timeline(chainrule) {
    // The timeline of a Page: the controls of shell.py's TIMELINE, by their data-cr names.
    var renders = [];
    var timer = null;
    function control(name) { return document.querySelector('.cr-timeline [data-cr="' + name + '"]'); }
    var slider = control("slider"), label = control("label"), playButton = control("play");
    var speed = control("speed");

    chainrule.extend({
      frames: chainrule.data.frames,
      frame: 0,
      /** Show frame k (clamped to 0 … frames). */
      go: function (k) {
        k = Math.max(0, Math.min(chainrule.frames, Math.round(Number(k)) || 0));
        chainrule.frame = k;
        slider.value = String(k);
        label.textContent = "frame " + k + " of " + chainrule.frames;
        for (var i = 0; i < renders.length; i++) renders[i](k);
        return k;
      },
      next: function () { return chainrule.go(chainrule.frame + 1); },
      prev: function () { return chainrule.go(chainrule.frame - 1); },
      /** Step forward at the chosen speed until the last frame (from the start if at the end). */
      play: function () {
        if (timer !== null) return;
        if (chainrule.frame >= chainrule.frames) chainrule.go(0);
        playButton.textContent = "pause";
        var tick = function () {
          if (chainrule.frame >= chainrule.frames) { chainrule.pause(); return; }
          chainrule.next();
          timer = setTimeout(tick, 1000 / Number(speed.value));
        };
        timer = setTimeout(tick, 1000 / Number(speed.value));
      },
      pause: function () {
        if (timer !== null) clearTimeout(timer);
        timer = null;
        playButton.textContent = "play";
      },
      playing: function () { return timer !== null; },
      /** Register fn(frame), called now and each time the frame changes. */
      render: function (fn) { renders.push(fn); fn(chainrule.frame); },
    });

    slider.max = String(chainrule.frames);
    slider.addEventListener("input", function () { chainrule.pause(); chainrule.go(slider.value); });
    control("first").addEventListener("click", function () { chainrule.pause(); chainrule.go(0); });
    control("prev").addEventListener("click", function () { chainrule.pause(); chainrule.prev(); });
    control("next").addEventListener("click", function () { chainrule.pause(); chainrule.next(); });
    control("last").addEventListener("click", function () { chainrule.pause(); chainrule.go(chainrule.frames); });
    playButton.addEventListener("click", function () {
      if (chainrule.playing()) chainrule.pause(); else chainrule.play();
    });

    // Keys: → next, ← previous, Home/End first/last, space play/pause; not while typing in a field.
    document.addEventListener("keydown", function (event) {
      var target = event.target;
      var typing = target && (/^(TEXTAREA|SELECT)$/.test(target.tagName) ||
        (target.tagName === "INPUT" && !/^(range|checkbox|radio|button)$/.test(target.type)));
      if (typing) return;
      if (event.altKey || event.ctrlKey || event.metaKey) return;
      var actions = {
        ArrowRight: chainrule.next, ArrowLeft: chainrule.prev,
        Home: function () { chainrule.go(0); }, End: function () { chainrule.go(chainrule.frames); },
        " ": function () { if (chainrule.playing()) chainrule.pause(); else chainrule.play(); },
      };
      var action = actions[event.key];
      if (!action) return;
      event.preventDefault();
      if (event.key !== " ") chainrule.pause();
      action();
    });

    chainrule.go(0);
  }
})();
