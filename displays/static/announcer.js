/* Call announcements, one at a time: the server's WAV (chime + Vietnamese sentence), falling back to
 * the chime and the browser's speech when the audio cannot be fetched or played.
 * window.__announcements records every playback (tests and diagnostics read it). */
(function (global) {
  "use strict";
  const log = (global.__announcements = global.__announcements || []);

  function createAnnouncer({ token, language }) {
    const queue = [];
    let busy = false;
    let muted = false; // the browser refused to play before a user gesture
    const hint = document.getElementById("sound-hint");

    function unlock() {
      if (!muted) return;
      muted = false;
      if (hint) hint.hidden = true;
      pump();
    }
    ["click", "keydown", "touchstart"].forEach((t) => document.addEventListener(t, unlock));

    function playUrl(url) {
      return new Promise((resolve, reject) => {
        const audio = new Audio(url);
        let done = false;
        const finish = (ok, err) => { if (done) return; done = true; clearTimeout(guard); ok ? resolve() : reject(err); };
        audio.onended = () => finish(true);
        audio.onerror = () => finish(false, new Error("audio error"));
        // A broken output device must not block the queue forever.
        const guard = setTimeout(() => finish(true), 20000);
        audio.play().catch((err) => finish(false, err));
      });
    }

    function speak(text) {
      return new Promise((resolve) => {
        if (!("speechSynthesis" in global)) { resolve(false); return; }
        const u = new SpeechSynthesisUtterance(text);
        u.lang = language === "en" ? "en-US" : "vi-VN";
        const guard = setTimeout(() => resolve(false), 2000 + text.length * 120);
        u.onend = () => { clearTimeout(guard); resolve(true); };
        u.onerror = () => { clearTimeout(guard); resolve(false); };
        global.speechSynthesis.speak(u);
      });
    }

    async function fetchWav(call) {
      const res = await fetch("/api/v1/announcements/" + call.ticket_id + ".wav", { headers: { Authorization: "Bearer " + token } });
      if (!res.ok) {
        let text = null;
        try { text = (await res.json()).error.text; } catch (e) { /* no body */ }
        throw { text };
      }
      return URL.createObjectURL(await res.blob());
    }

    async function playOne(call) {
      const entry = { ticket_id: call.ticket_id, number: call.display_number, counter: call.counter_number, kind: call.kind, via: null, at: Date.now() };
      let fallbackText = "Mời công dân có số thứ tự " + call.display_number + " đến quầy số " + call.counter_number;
      let url = null;
      try {
        url = await fetchWav(call);
        entry.via = "audio";
        log.push(entry);
        await playUrl(url);
        return;
      } catch (err) {
        if (err && err.name === "NotAllowedError") {
          entry.via = "muted";
          muted = true;
          if (hint) hint.hidden = false;
          return;
        }
        if (err && err.text) fallbackText = err.text;
      } finally {
        if (url) URL.revokeObjectURL(url);
      }
      if (entry.via === null) { entry.via = "speech"; log.push(entry); }
      else entry.via = "speech";
      try { await playUrl("/web/sounds/chime.wav"); } catch (e) { /* speech alone */ }
      await speak(fallbackText);
    }

    async function pump() {
      if (busy || muted) return;
      busy = true;
      try {
        while (queue.length && !muted) await playOne(queue.shift());
      } finally {
        busy = false;
      }
    }

    return {
      announce(call) { queue.push(call); pump(); },
      get pending() { return queue.length; },
      get muted() { return muted; }, // the device's heartbeat reports it ("audio": "muted")
    };
  }

  global.createAnnouncer = createAnnouncer;
})(window);
