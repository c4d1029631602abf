// cdrdash recordings box: playback speed, the status line, the audio's
// error message and the waveform strip (docs/recordings.md). The players
// and download links work without this file.
(function () {
  "use strict";

  function setStatus(el, text) { if (el) el.textContent = text; }

  // askAudio asks an audio address whether it can be served, for a
  // 1-byte range past byte 0 (not counted as a play), and resolves to null
  // when it can or to the words saying why not, with the request IDs to
  // quote.
  function askAudio(src) {
    return fetch(src, { headers: { "Accept": "application/json", "Range": "bytes=1-1" }, credentials: "same-origin" })
      .then(function (res) {
        if (res.status === 401) return "Your cdrdash session has ended. Reload the page to sign in again.";
        if (res.ok) return null;
        return res.json().then(function (e) {
          var ids = [];
          if (e.vobiz_request_id) ids.push("Vobiz request ID: " + e.vobiz_request_id);
          if (e.request_id) ids.push("cdrdash request ID: " + e.request_id);
          return (e.message || e.title || "The recording could not be fetched.") + (ids.length ? " " + ids.join(" · ") + "." : "");
        }, function () { return "The recording could not be fetched (status " + res.status + "). Reload the page to try again."; });
      });
  }

  // On a failed load, say what went wrong.
  function explainError(audio, status) {
    var src = audio.currentSrc || audio.getAttribute("src");
    // MEDIA_ERR_NETWORK: the audio had started to arrive, then stopped.
    var stopped = audio.error && audio.error.code === 2;
    setStatus(status, "The recording could not be played.");
    askAudio(src).then(function (msg) {
      if (msg) { setStatus(status, msg); return; }
      // cdrdash and Vobiz answer now, so the audio was cut on its way (a
      // cut stream reads as a format error before the first second is
      // in) or the browser cannot play it: the download helps only in
      // the second case.
      setStatus(status, stopped
        ? "The audio stopped arriving from Vobiz. Reload the page to try again."
        : "The recording could not be played: the audio was cut off on its way from Vobiz, or this browser cannot play it. Reload the page to try again; if it still fails, try the download.");
    }).catch(function () { /* keep the short message */ });
  }

  // A download whose link Vobiz refuses would end in the browser's bare
  // "Failed": check first, and say why on the status line instead.
  function guardDownload(link, audio, status) {
    link.addEventListener("click", function (e) {
      if (e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
      e.preventDefault();
      setStatus(status, "Preparing the download…");
      askAudio(audio.getAttribute("src")).then(function (msg) {
        setStatus(status, msg || "");
        // An attachment: the browser saves it and stays on this page.
        if (!msg) window.location.assign(link.href);
      }, function () { setStatus(status, ""); window.location.assign(link.href); });
    });
  }

  function initPlayer(item) {
    var audio = item.querySelector("audio[data-testid=recording-audio]");
    var status = item.querySelector("[data-testid=recording-status]");
    if (!audio) return;
    var buttons = item.querySelectorAll("button[data-testid=recording-speed]");
    buttons.forEach(function (b) {
      b.addEventListener("click", function () {
        var rate = parseFloat(b.dataset.rate) || 1;
        audio.playbackRate = rate;
        audio.defaultPlaybackRate = rate;
        buttons.forEach(function (o) { o.setAttribute("aria-pressed", o === b ? "true" : "false"); });
      });
    });
    audio.addEventListener("loadstart", function () { setStatus(status, "Loading audio…"); });
    // The player does not preload: it starts and suspends at once, with
    // nothing to wait for until someone presses play.
    audio.addEventListener("suspend", function () { if (audio.paused && !audio.error) setStatus(status, ""); });
    audio.addEventListener("play", function () {
      if (audio.readyState < audio.HAVE_FUTURE_DATA) setStatus(status, "Loading audio…");
    });
    audio.addEventListener("waiting", function () { setStatus(status, "Loading audio…"); });
    audio.addEventListener("seeking", function () { setStatus(status, "Loading audio…"); });
    ["loadedmetadata", "canplay", "playing", "seeked"].forEach(function (ev) {
      audio.addEventListener(ev, function () { if (!audio.error) setStatus(status, ""); });
    });
    audio.addEventListener("error", function () { explainError(audio, status); });
    var download = item.querySelector("a[data-testid=recording-download]");
    if (download) guardDownload(download, audio, status);
    // The player may have started (or failed) before this deferred
    // script ran, its loadstart unseen.
    if (audio.error) explainError(audio, status);
    else if (audio.readyState < audio.HAVE_METADATA && audio.networkState === audio.NETWORK_LOADING) setStatus(status, "Loading audio…");

    var slot = item.querySelector("[data-testid=waveform-slot]");
    if (slot && slot.dataset.waveformUrl) loadWaveform(slot, audio);
  }

  function loadWaveform(slot, audio) {
    slot.setAttribute("aria-busy", "true");
    slot.textContent = "";
    var p = document.createElement("p");
    p.className = "muted";
    p.setAttribute("data-testid", "waveform-loading");
    p.textContent = "Reading the recording…";
    slot.appendChild(p);
    fetch(slot.dataset.waveformUrl + "?fragment=1", { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (res) { return res.text(); })
      .then(function (html) {
        // The fragment is cdrdash's own markup, rendered by templ.
        var doc = new DOMParser().parseFromString(html, "text/html");
        slot.textContent = "";
        // Moving a node out of the parsed body shortens its child list,
        // so take the first child until none is left.
        while (doc.body.firstChild) slot.appendChild(document.adoptNode(doc.body.firstChild));
        slot.removeAttribute("aria-busy");
        wireSeek(slot, audio);
      })
      .catch(function () {
        slot.removeAttribute("aria-busy");
        slot.textContent = "The waveform could not be loaded. Reload the page to try again.";
      });
  }

  // A click on a strip seeks the player there; keyboard users have the
  // player's own controls.
  function wireSeek(slot, audio) {
    slot.querySelectorAll("svg[data-testid=waveform-strip]").forEach(function (svg) {
      svg.addEventListener("click", function (e) {
        var secs = parseFloat(svg.dataset.seconds) || 0;
        var box = svg.getBoundingClientRect();
        if (!secs || !box.width) return;
        var t = (e.clientX - box.left) / box.width * secs;
        audio.currentTime = Math.max(0, Math.min(secs, t));
        if (audio.paused) audio.play().catch(function () {});
      });
    });
  }

  function init() {
    document.querySelectorAll("[data-testid=recording]").forEach(initPlayer);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
