// Live standings from /api/events (a snapshot, then changes); the day's sessions and a car's laps on a tap.
// EventSource reconnects by itself, and every connection starts with a full snapshot, so nothing is missed.
"use strict";

const live = { session: null, rows: new Map(), order: [], next: null, problem: null };
let view = { kind: "live" };  // or { kind: "session", id, data } or { kind: "laps", back }

const $ = (id) => document.getElementById(id);

function cell(text, className) {
  const td = document.createElement("td");
  if (className) td.className = className;
  td.textContent = text ?? "";
  return td;
}

function span(text, className) {
  const element = document.createElement("span");
  element.className = className;
  element.textContent = text ?? "";
  return element;
}

// A running session that no recorder times any more (stopped, crashed, laptop closed): its standings are as of
// its last passing, and the page says so rather than pass them off as live.
function timingStopped(session) {
  return Boolean(session && session.phase === "running" && session.timing === false);
}

// A running session whose recorder no longer hears its decoder (unplugged, reconnecting, or silent): as it says
// beside its lock. Its standings stand until the decoder is back.
function decoderDown(session) {
  return Boolean(session && session.phase === "running" && session.timing !== false && session.decoder &&
                 session.decoder !== "connected");
}

// A running session whose recorder holds passings it cannot write yet (another program holds the database's write
// lock, a full disk): the standings here lag behind the track until it can, and the page says so.
function journalHeld(session) {
  return Boolean(session && session.phase === "running" && session.timing !== false && session.journal === "held");
}

function decoderWords(session) {
  return session.decoder === "silent" ? "decoder silent"
    : session.decoder === "ended" ? "decoder source ended" : "decoder disconnected";
}

// Why the standings stand while the recorder cannot hear its decoder, as the timing desk's screen says it.
const DECODER_NOTES = {
  silent: "The decoder is connected but silent: check the cable to the loop. ",
  ended: "The decoder's source has ended: no more passings will come until the session is finished. ",
};

// The one planned next, from the day's plan: "Next: Session 3 at 10:20".
function nextText(next) {
  return `Next: ${next.name}${next.at ? " at " + next.at : ""}`;
}

// Before any session has run: the header names the one planned next.
function waitingText() {
  const next = view.kind === "live" ? live.next : null;
  return next ? nextText(next) : "Waiting for a session";
}

let shownSession = null;  // the session the header shows (the live one, or one whose results are open)

function showHeader(session) {
  shownSession = session || null;
  const stopped = timingStopped(session);
  const down = decoderDown(session);
  const phase = stopped ? "timing stopped" : journalHeld(session) ? "results delayed"
    : down ? decoderWords(session) : session && session.phase;
  $("session-name").textContent = session ? session.name : waitingText();
  $("session-type").textContent = session ? `${session.type} · ${phase}` : "";
  const flag = $("session-flag");
  flag.textContent = session && session.flag ? session.flag : "";
  flag.className = "flag " + (session && session.flag ? session.flag : "");
  // The session clock in whole seconds, running on between headers while the session is timed (the server
  // sends the header with each passing and once a second while the clock runs, on the decoder's clock).
  const running = session && session.phase === "running" && session.flag !== "checkered" && !stopped && !down;
  sessionClock = session && session.elapsed_s != null
    ? { elapsed: session.elapsed_s, remaining: session.remaining_s, since: Date.now(), running,
        lastLap: Boolean(session.last_lap),
        lapsToGo: session.laps_to_go != null && session.phase === "running" && session.flag !== "checkered"
          ? session.laps_to_go : null } : null;
  drawClock();
  showLinkState();
}

let link = "connecting";  // the event stream: "connecting" (never open yet), "open", or "lost"

// The badge says "live" only while the page is connected and the session it shows is being timed.
function showLinkState() {
  const state = $("link-state");
  if (link !== "open") {
    state.textContent = link === "lost" ? "reconnecting" : "connecting";
    state.className = "state" + (link === "lost" ? " lost" : "");
  } else if (headerIsLive() && live.problem) {
    state.textContent = "database unreadable";
    state.className = "state lost";
  } else if (headerIsLive() && timingStopped(live.session)) {
    state.textContent = "timing stopped";
    state.className = "state stopped";
  } else if (headerIsLive() && journalHeld(live.session)) {
    state.textContent = "results delayed";
    state.className = "state stopped";
  } else if (headerIsLive() && decoderDown(live.session)) {
    state.textContent = decoderWords(live.session);
    state.className = "state stopped";
  } else if (shownSession && shownSession.phase === "finished") {
    state.textContent = "finished";  // a session's results, not live timing (the page still follows)
    state.className = "state";
  } else if (!shownSession) {
    state.textContent = "waiting";  // no session yet: nothing is timed (the page still follows)
    state.className = "state";
  } else {
    state.textContent = "live";
    state.className = "state live";
  }
}

let sessionClock = null;  // { elapsed, remaining (seconds, or null), since (ms), running, lastLap, lapsToGo }

function clockText(seconds) {
  const h = Math.floor(seconds / 3600), m = Math.floor(seconds / 60) % 60, s = seconds % 60;
  const two = (n) => String(n).padStart(2, "0");
  return h ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
}

function drawClock() {
  let text = "";
  // A race on its last lap says so: run to time, once its time is up (not "0:00 to go") until its leader crosses
  // the line; to a lap count, while its leader drives the last one. Before that, a lap count counts down.
  const lastLap = Boolean(sessionClock && sessionClock.lastLap);
  if (lastLap) {
    text = "Last lap";
  } else if (sessionClock) {
    const passed = sessionClock.running ? Math.floor((Date.now() - sessionClock.since) / 1000) : 0;
    text = sessionClock.remaining != null
      ? `${clockText(Math.max(0, sessionClock.remaining - passed))} to go`
      : clockText(sessionClock.elapsed + passed);
    const laps = sessionClock.lapsToGo;
    if (laps != null) text = `${laps} ${laps === 1 ? "lap" : "laps"} to go · ${text}`;
  }
  $("session-clock").textContent = text;
  $("session-clock").className = lastLap ? "last-lap" : "";
}
setInterval(drawClock, 1000);

function showRows(rows, sessionId) {
  const body = document.createElement("tbody");
  for (const row of rows) {
    const tr = document.createElement("tr");
    tr.dataset.car = row.number;
    if (/^(DNF|DNS|DSQ)/i.test(row.status)) tr.className = "out";
    const driver = cell("");
    driver.append(span(row.driver || "—", "driver"), span(row.class, "class"));
    const times = cell("", "n");
    // the last lap in the session-best colour only when it is that lap (its car's best, and the car holds it)
    times.append(span(row.last, "last" + (row.sb && row.pb ? " sb" : row.pb ? " pb" : "")),
                 span(row.best, "best" + (row.sb ? " sb" : "")));
    // a car out of the running says so where its gap would be; a penalty stands under the gap
    const gap = cell(row.out || row.gap, "n" + (row.out ? " out-word" : ""));
    if (row.penalty) gap.append(span(row.penalty, "penalty"));
    tr.append(cell(row.pos, "n pos"), cell(row.number, "n"), driver, cell(row.laps, "n"), times, gap);
    tr.addEventListener("click", () => openLaps(sessionId, row.number));
    body.append(tr);
  }
  // the number column as wide as the longest number listed (a walk-up numbered by its transponder: 7 digits)
  const widest = Math.max(2, ...rows.map((row) => String(row.number ?? "").length));
  $("standings").style.setProperty("--number-chars", widest);
  $("standings").replaceChild(body, $("standings").tBodies[0]);
  $("standings-note").textContent = rows.length ? "" : "No cars yet.";
}

function show(kind) {
  $("standings-view").hidden = kind !== "live" && kind !== "session";
  $("day-view").hidden = kind !== "day";
  $("laps-view").hidden = kind !== "laps";
  // Once a session has run and none runs now, the live view names the one planned next above the last results.
  const after = kind === "live" && Boolean(live.session && live.next);
  $("next-session").hidden = !after;
  $("next-session").textContent = after ? nextText(live.next) : "";
  $("show-live").classList.toggle("on", kind === "live");
  $("show-day").classList.toggle("on", kind === "day" || kind === "session");
}

// The header shows the live session on every view but a session's own results (and the laps opened from them).
function headerIsLive() {
  const shown = view.kind === "laps" ? view.back || { kind: "live" } : view;
  return shown.kind !== "session";
}

function render() {
  if (view.kind !== "live") {
    if (headerIsLive()) showHeader(live.session);  // the live flag, phase and clock, while the day or laps are shown
    return;
  }
  show("live");
  showHeader(live.session);
  showRows(live.order.map((id) => live.rows.get(id)), live.session && live.session.id);
  if (live.problem) {
    $("standings-note").textContent = "The server cannot read the event database (" + live.problem + "). " +
      "What is shown may be out of date; it catches up once the database can be read again.";
  } else if (timingStopped(live.session)) {
    $("standings-note").textContent = "Timing has stopped: nobody is timing this session now. " +
      "These are the standings at its last passing.";
  } else if (journalHeld(live.session)) {
    $("standings-note").textContent = "Results delayed: the timing laptop cannot write its event database " +
      "right now and keeps the passings in memory. These standings catch up once it can.";
  } else if (decoderDown(live.session)) {
    $("standings-note").textContent = (DECODER_NOTES[live.session.decoder] ||
      "The decoder is disconnected: the recorder is waiting for it. ") +
      "These are the standings at its last passing.";
  } else if (!live.session && live.next) {
    $("standings-note").textContent = "No session has run yet.";
  }
}

function takeSnapshot(data) {
  live.session = data.session;
  live.next = data.next || null;
  live.problem = data.problem || null;
  live.rows = new Map(data.rows.map((row) => [row.car_id, row]));
  live.order = data.rows.map((row) => row.car_id);
  render();
}

function takeChange(data) {
  live.session = data.session;
  live.next = data.next || null;
  live.problem = data.problem || null;
  for (const row of data.rows) live.rows.set(row.car_id, row);
  if (view.kind === "laps" && live.session && view.sessionId === live.session.id &&
      data.rows.some((row) => row.number === view.number)) refreshLaps();
  for (const id of data.removed || []) live.rows.delete(id);
  if (data.order) live.order = data.order;
  else if (data.removed) live.order = live.order.filter((id) => live.rows.has(id));
  render();
}

// The server sends something at least every 15 s (a ping when nothing changed). A connection cut without a word (a
// dead Wi-Fi path: no FIN, no RST) is silent for good, and EventSource would wait on it forever: after this long
// with nothing heard, the page says so and connects afresh (its snapshot catches up on everything). A fresh
// attempt that has not opened in CONNECT_MS is made again: the browser may have sent it on a pooled connection
// that died in the same cut.
const SILENT_MS = 40_000;
const CONNECT_MS = 10_000;
let source = null;
let heard = Date.now();

function connect() {
  heard = Date.now();
  source = new EventSource("/api/events");
  const hear = () => { heard = Date.now(); };
  source.addEventListener("open", () => { hear(); link = "open"; showLinkState(); });
  source.addEventListener("error", () => { link = "lost"; showLinkState(); });
  source.addEventListener("snapshot", (e) => { hear(); takeSnapshot(JSON.parse(e.data)); });
  source.addEventListener("change", (e) => { hear(); takeChange(JSON.parse(e.data)); });
  source.addEventListener("ping", hear);
}

setInterval(() => {
  const open = source.readyState === EventSource.OPEN;
  if (Date.now() - heard < (open ? SILENT_MS : CONNECT_MS)) return;
  source.close();
  link = "lost";
  showLinkState();
  connect();
}, 2500);

async function getJson(path) {
  const response = await fetch(path, { cache: "no-store" });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.json();
}

async function openDay() {
  view = { kind: "day" };
  show("day");
  showHeader(live.session);
  const list = $("day");
  const sessions = await getJson("/api/sessions");
  list.replaceChildren(...sessions.map((s) => {
    const li = document.createElement("li");
    const name = document.createElement("span");
    name.textContent = s.name;
    const meta = document.createElement("span");
    meta.className = "meta";
    const cars = `${s.entries} ${s.entries === 1 ? "car" : "cars"}`;
    const state = s.phase === "finished" ? s.results : timingStopped(s) ? "timing stopped"
      : journalHeld(s) ? "results delayed" : decoderDown(s) ? decoderWords(s) : s.phase;
    meta.textContent = `${s.type} · ${state} · ${cars}`;
    li.append(name, meta);
    li.addEventListener("click", () => openSession(s.id));
    return li;
  }));
  if (!sessions.length) list.replaceChildren(Object.assign(document.createElement("li"), { textContent: "No sessions yet." }));
}

async function openSession(id) {
  if (live.session && live.session.id === id && live.session.phase === "running") return openLive();
  const data = await getJson(`/api/sessions/${id}/standings`);
  view = { kind: "session", id };
  show("session");
  showHeader(data.session);
  showRows(data.rows, id);
}

async function openLaps(sessionId, number) {
  if (sessionId == null) return;
  const back = view;
  const data = await getJson(`/api/sessions/${sessionId}/cars/${encodeURIComponent(number)}/laps`);
  view = { kind: "laps", back, sessionId, number };
  show("laps");
  showLaps(data);
}

// A driver's laps in the live session grow as the car completes them: asked again when its row changes (once
// at a time; a change that comes while a request is out asks once more when it is answered).
let lapsAsking = false;
let lapsAgain = false;

async function refreshLaps() {
  if (lapsAsking) {
    lapsAgain = true;
    return;
  }
  const shown = view;
  lapsAsking = true;
  lapsAgain = false;
  try {
    const data = await getJson(`/api/sessions/${shown.sessionId}/cars/${encodeURIComponent(shown.number)}/laps`);
    if (view === shown) showLaps(data);  // still on those laps
  } catch (error) {
    // the laps shown stay as they were; the car's next change asks again
  } finally {
    lapsAsking = false;
  }
  if (lapsAgain && view === shown) refreshLaps();
}

function showLaps(data) {
  $("laps-title").textContent = `${data.number} ${data.driver}`.trim();
  $("laps-sub").textContent = `${data.session.name} · ${data.pos != null ? "P" + data.pos : data.out}${data.best ? " · best " + data.best : ""}`;
  const body = document.createElement("tbody");
  for (const lap of data.laps) {
    const tr = document.createElement("tr");
    tr.append(cell(lap.lap, "n"), cell(lap.time, "n" + (lap.best ? " fastest" : "")), cell(lap.flags));
    body.append(tr);
  }
  $("laps").replaceChild(body, $("laps").tBodies[0]);
}

function openLive() {
  view = { kind: "live" };
  render();
}

function goBack() {
  const back = view.back || { kind: "live" };
  if (back.kind === "session") openSession(back.id);
  else if (back.kind === "day") openDay();
  else openLive();
}

// The standings' column heads stick under the page header, as tall as its session name and flag make it.
const header = document.querySelector("header");
new ResizeObserver(() => document.documentElement.style.setProperty("--header-height", `${header.offsetHeight}px`))
  .observe(header);

$("show-live").addEventListener("click", openLive);
$("show-day").addEventListener("click", openDay);
$("laps-back").addEventListener("click", goBack);
connect();
render();
