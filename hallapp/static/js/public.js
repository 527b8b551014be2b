// Public screens: the display board's voice calls, the kiosk's idle reset, auto-print.
// No inline scripts (CSP): pages pass everything through data-* attributes.
(function () {
  "use strict";

  // ---- Announcements: a chime, then each sentence, one call after another. ----
  // The board partial carries each new call or recall as <li data-announce ...>, newest
  // last; the server only sends events newer than the board has shown, and we also keep
  // the highest id spoken so a re-sent partial never speaks a call twice.
  const Announcer = {
    queue: [],
    busy: false,
    lastId: 0,
    soundOn: false,
    count: 0,
    log: [], // what was announced, with start and end times: the browser tests read it
    audio: null,

    enqueue(item) {
      if (item.id <= this.lastId) return;
      this.lastId = item.id;
      this.queue.push(item);
      this.next();
    },

    next() {
      if (this.busy || this.queue.length === 0) return;
      this.busy = true;
      const item = this.queue.shift();
      const entry = { id: item.id, ticket: item.ticket, texts: item.texts, start: Date.now(), end: null };
      this.log.push(entry);
      // A board runs for days: keep the recent history only.
      if (this.log.length > 200) this.log.splice(0, this.log.length - 200);
      highlight(item.ticket, true);
      const finish = () => {
        entry.end = Date.now();
        highlight(item.ticket, false);
        this.count += 1;
        document.documentElement.dataset.announced = String(this.count);
        this.busy = false;
        // A short breath between two calls, so they never run into each other.
        window.setTimeout(() => this.next(), 400);
      };
      this.chime()
        .then(() => this.speakAll(item.texts))
        .then(finish, finish);
    },

    chime() {
      // Two soft tones made by Web Audio: no sound file to fetch.
      return new Promise((resolve) => {
        if (!this.soundOn) return resolve();
        try {
          const context = this.audio || new (window.AudioContext || window.webkitAudioContext)();
          this.audio = context;
          const start = context.currentTime + 0.02;
          [[659.25, 0], [523.25, 0.35]].forEach(([frequency, offset]) => {
            const oscillator = context.createOscillator();
            const gain = context.createGain();
            oscillator.type = "sine";
            oscillator.frequency.value = frequency;
            gain.gain.setValueAtTime(0.0001, start + offset);
            gain.gain.exponentialRampToValueAtTime(0.4, start + offset + 0.03);
            gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.6);
            oscillator.connect(gain).connect(context.destination);
            oscillator.start(start + offset);
            oscillator.stop(start + offset + 0.65);
          });
        } catch (error) {
          // No audio device: the call is still shown and spoken if possible.
        }
        window.setTimeout(resolve, 1000);
      });
    },

    speakAll(texts) {
      return texts.reduce((chain, text) => chain.then(() => this.speak(text)), Promise.resolve());
    },

    speak(text) {
      return new Promise((resolve) => {
        const synth = window.speechSynthesis;
        // Without a voice (or with sound off) the sentence still takes its time on screen.
        const budget = 1500 + text.text.length * 180;
        if (!this.soundOn || !synth || typeof SpeechSynthesisUtterance === "undefined") {
          return window.setTimeout(resolve, Math.min(budget, 2500));
        }
        let done = false;
        const end = () => {
          if (done) return;
          done = true;
          resolve();
        };
        const utterance = new SpeechSynthesisUtterance(text.text);
        utterance.lang = text.lang;
        const voice = pickVoice(text.lang);
        if (voice) utterance.voice = voice;
        utterance.rate = 0.9;
        utterance.onend = end;
        utterance.onerror = end;
        // Some engines never fire onend: never let one sentence hold up the queue.
        window.setTimeout(end, budget + 4000);
        synth.speak(utterance);
      });
    },
  };

  function pickVoice(lang) {
    const synth = window.speechSynthesis;
    if (!synth) return null;
    const voices = synth.getVoices();
    const wanted = lang.toLowerCase();
    return (
      voices.find((voice) => voice.lang.toLowerCase().replace("_", "-") === wanted) ||
      voices.find((voice) => voice.lang.toLowerCase().startsWith(wanted.split("-")[0] + "-" + (wanted.split("-")[1] || ""))) ||
      null
    );
  }

  function highlight(ticket, on) {
    document.querySelectorAll("[data-call-ticket]").forEach((row) => {
      if (row.dataset.callTicket === ticket) row.classList.toggle("is-announcing", on);
    });
  }

  function readAnnouncements(board) {
    const items = Array.from(board.querySelectorAll("[data-announce]")).map((node) => ({
      id: Number(node.dataset.announce),
      ticket: node.dataset.ticket,
      texts: Array.from(node.querySelectorAll("[data-say]")).map((say) => ({
        lang: say.dataset.say,
        text: say.textContent.trim(),
      })),
    }));
    items.sort((a, b) => a.id - b.id).forEach((item) => Announcer.enqueue(item));
  }

  function setUpBoard() {
    const board = document.getElementById("public-board");
    if (!board) return;
    // What the page showed when it opened was already on the screen: start after it.
    Announcer.lastId = Number(board.dataset.lastEvent || 0);
    startClock();
    const sound = document.getElementById("display-sound");
    if (sound) {
      sound.addEventListener("click", () => {
        Announcer.soundOn = !Announcer.soundOn;
        sound.setAttribute("aria-pressed", Announcer.soundOn ? "true" : "false");
        if (Announcer.soundOn) {
          // Browsers let sound start only after a touch; this click is it.
          try {
            Announcer.audio = Announcer.audio || new (window.AudioContext || window.webkitAudioContext)();
            Announcer.audio.resume();
          } catch (error) {
            Announcer.audio = null;
          }
          if (window.speechSynthesis) window.speechSynthesis.getVoices();
        }
      });
      if (sound.dataset.autostart === "true") sound.click();
    }
    // outerHTML swaps leave event.detail.target pointing at the old, detached board.
    document.body.addEventListener("htmx:afterSettle", () => {
      const fresh = document.getElementById("public-board");
      if (fresh) readAnnouncements(fresh);
    });
    // A dropped network or a restarting server: htmx keeps polling; show that we wait.
    document.body.addEventListener("htmx:sendError", () => setOffline(true));
    document.body.addEventListener("htmx:responseError", () => setOffline(true));
    document.body.addEventListener("htmx:timeout", () => setOffline(true));
    document.body.addEventListener("htmx:afterRequest", (event) => {
      if (event.detail.successful) setOffline(false);
    });
  }

  function startClock() {
    const clock = document.getElementById("display-clock");
    if (!clock) return;
    const tick = () => {
      const now = new Date();
      clock.textContent = String(now.getHours()).padStart(2, "0") + ":" + String(now.getMinutes()).padStart(2, "0");
    };
    window.setInterval(tick, 5000);
  }

  function setOffline(offline) {
    const notice = document.getElementById("display-offline");
    if (notice) notice.hidden = !offline;
    document.documentElement.classList.toggle("is-offline", offline);
  }

  // ---- Kiosk: back to the start screen after a short idle time. ----
  function setUpIdleReset() {
    const holder = document.querySelector("[data-idle-url]");
    if (!holder) return;
    const seconds = Number(holder.dataset.idleSeconds || 60);
    let timer = null;
    const reset = () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(() => window.location.assign(holder.dataset.idleUrl), seconds * 1000);
    };
    ["pointerdown", "keydown", "touchstart"].forEach((name) =>
      document.addEventListener(name, reset, { passive: true })
    );
    reset();
  }

  // ---- Print view: the kiosk opens it with ?autoprint=1. ----
  function setUpPrint() {
    const slip = document.querySelector("[data-autoprint='true']");
    if (slip) window.setTimeout(() => window.print(), 300);
    document.querySelectorAll("[data-print-button]").forEach((button) =>
      button.addEventListener("click", () => window.print())
    );
  }

  // ---- Tracking page: a gentle buzz when the citizen is called. ----
  function setUpTracking() {
    let last = (document.getElementById("public-track") || {}).dataset;
    last = last ? last.status : "";
    document.body.addEventListener("htmx:afterSettle", () => {
      const track = document.getElementById("public-track");
      if (!track) return;
      const status = track.dataset.status;
      if (status === "called" && last !== "called" && navigator.vibrate) navigator.vibrate([300, 150, 300]);
      last = status;
    });
  }

  // ---- Phones poll only while the page is visible, and at once when it shows again. ----
  // Polls marked data-poll-when-visible are dropped while the tab is hidden (a phone in a
  // pocket costs the hall nothing); coming back fires "hall:visible" on the body, which
  // the tracking section also listens to.
  function setUpVisiblePolling() {
    document.body.addEventListener("htmx:beforeRequest", (event) => {
      const elt = event.detail && event.detail.elt;
      if (document.hidden && elt && elt.closest && elt.closest("[data-poll-when-visible]")) {
        event.preventDefault();
      }
    });
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden) document.body.dispatchEvent(new CustomEvent("hall:visible"));
    });
  }

  // ---- Display board: it keeps its device token, so the admin sees it alive. ----
  // hall.js moves a set-up link's #token= into the form and posts it; we keep a copy in
  // the browser, so a board whose session lapsed (switched off for a weekend) names
  // itself again on its own. A token the server refused is forgotten, never retried.
  function setUpDisplayDevice() {
    const form = document.getElementById("display-setup-form");
    const refused = document.querySelector("[data-setup-refused]");
    const hall = (form || document.body).dataset.hall;
    const key = "hall-display-token:" + (hall || window.location.pathname);
    let storage = null;
    try {
      storage = window.localStorage;
    } catch (error) {
      return; // storage switched off: the set-up link still works for this session
    }
    if (refused) {
      storage.removeItem(key);
      return;
    }
    if (!form) return;
    const field = form.querySelector("[name='token']");
    if (field.value) {
      storage.setItem(key, field.value); // hall.js is posting it now
      return;
    }
    const kept = storage.getItem(key);
    if (kept) {
      field.value = kept;
      form.submit();
    }
  }

  window.hallAnnouncer = Announcer;
  document.addEventListener("DOMContentLoaded", () => {
    setUpBoard();
    setUpDisplayDevice();
    setUpIdleReset();
    setUpPrint();
    setUpTracking();
    setUpVisiblePolling();
  });
})();
