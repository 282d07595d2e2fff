// The development WhatsApp simulator. The chat page posts each message to the
// app's real webhook with the form fields Twilio sends, shows the TwiML reply,
// and polls the outbox for proactive messages. The list page filters the
// officials as one types.
"use strict";

const POLL_INTERVAL_MS = 2000;
// Outbox statuses that no longer change; rows in other statuses are refreshed.
const FINAL_STATUSES = ["sent", "stored", "failed"];

document.addEventListener("DOMContentLoaded", () => {
  const filter = document.getElementById("official-filter");
  if (filter) {
    setUpFilter(filter);
  }
  const chat = document.getElementById("chat");
  if (chat) {
    setUpChat(chat);
  }
});

function setUpFilter(input) {
  const items = document.querySelectorAll("#official-list li");
  input.addEventListener("input", () => {
    const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    for (const item of items) {
      item.hidden = !words.every((word) => item.dataset.search.includes(word));
    }
  });
}

function setUpChat(chat) {
  const page = JSON.parse(chat.dataset.page);
  const list = document.getElementById("messages");
  const form = document.getElementById("composer");
  const textBox = document.getElementById("message-text");
  const button = document.getElementById("send");
  // Outbox ids already on the page: a row is shown once even when two polls
  // return it. TwiML replies are not outbox rows, so they never repeat here.
  const shownOutboxIds = new Set();
  // Bubbles of shown outbox rows whose status may still change, by id.
  const unsettled = new Map();
  let lastOutboxId = page.lastOutboxId;
  let polling = false;
  let pollFailed = false;

  for (const bubble of list.querySelectorAll(".bubble")) {
    const body = bubble.querySelector(".body");
    showFormatted(body, body.textContent);
    if (bubble.dataset.outboxId) {
      shownOutboxIds.add(Number(bubble.dataset.outboxId));
      watchStatus(bubble);
    }
  }
  scrollToEnd();

  function scrollToEnd() {
    chat.scrollTop = chat.scrollHeight;
  }

  function addBubble(classes, text, meta) {
    const bubble = document.createElement("li");
    bubble.className = `bubble ${classes}`;
    const body = document.createElement("p");
    body.className = "body";
    showFormatted(body, text);
    const caption = document.createElement("p");
    caption.className = "meta";
    caption.textContent = meta;
    bubble.append(body, caption);
    list.append(bubble);
    scrollToEnd();
    return bubble;
  }

  // The caption of an outbox row: its kind, status and time, from the bubble.
  function outboxCaption(bubble) {
    const { kind, status, time } = bubble.dataset;
    return `${kind} · ${status} · ${time}`;
  }

  function addOutboxBubble(message) {
    const bubble = addBubble("bot proactive", message.body, "");
    Object.assign(bubble.dataset, {
      outboxId: message.id, kind: message.kind, status: message.status,
      time: message.time,
    });
    bubble.querySelector(".meta").textContent = outboxCaption(bubble);
    watchStatus(bubble);
  }

  function watchStatus(bubble) {
    if (!FINAL_STATUSES.includes(bubble.dataset.status)) {
      unsettled.set(Number(bubble.dataset.outboxId), bubble);
    }
  }

  function showStatuses(statuses) {
    for (const [id, status] of Object.entries(statuses)) {
      const bubble = unsettled.get(Number(id));
      if (!bubble) {
        continue;
      }
      bubble.dataset.status = status;
      bubble.querySelector(".meta").textContent = outboxCaption(bubble);
      if (FINAL_STATUSES.includes(status)) {
        unsettled.delete(Number(id));
      }
    }
  }

  async function poll() {
    if (polling) {
      return;
    }
    polling = true;
    try {
      const query = new URLSearchParams({
        after: lastOutboxId,
        refresh: Array.from(unsettled.keys()).join(","),
      });
      const response = await fetch(`${page.outboxUrl}?${query}`, { cache: "no-store" });
      if (!response.ok) {
        throw new Error(`outbox request failed with HTTP ${response.status}`);
      }
      const { messages, statuses } = await response.json();
      showStatuses(statuses);
      for (const message of messages) {
        lastOutboxId = Math.max(lastOutboxId, message.id);
        if (!shownOutboxIds.has(message.id)) {
          shownOutboxIds.add(message.id);
          addOutboxBubble(message);
        }
      }
      pollFailed = false;
    } catch (error) {
      // One notice per outage, not one every few seconds.
      if (!pollFailed) {
        const message = `Gagal memuat pesan proaktif: ${error.message}`;
        addBubble("error", message, timeText(new Date(), page.timeZone));
      }
      pollFailed = true;
    } finally {
      polling = false;
    }
  }

  async function signature(url, params) {
    const response = await fetch(page.signUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ url, params }),
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) {
      const reason = answer.error || response.statusText;
      throw new Error(`signing failed (HTTP ${response.status}): ${reason}`);
    }
    return answer.signature;
  }

  // Returns the replies and the server's time of the answer (its Date header),
  // which runs on the server's clock, as stored messages do.
  async function postToWebhook(text) {
    const sid = newMessageSid();
    const params = {
      ...page.form,
      Body: text,
      MessageSid: sid,
      SmsMessageSid: sid,
      SmsSid: sid,
    };
    const url = new URL(page.webhookPath, window.location.href).href;
    const headers = {};
    if (page.signRequests) {
      headers["X-Twilio-Signature"] = await signature(url, params);
    }
    const response = await fetch(url, {
      method: "POST",
      headers,
      body: new URLSearchParams(params),
    });
    if (!response.ok) {
      throw new Error(`webhook request failed with HTTP ${response.status}`);
    }
    const date = new Date(response.headers.get("Date") || Date.now());
    const replies = twimlMessages(await response.text());
    return { replies, time: timeText(date, page.timeZone) };
  }

  async function send(event) {
    event.preventDefault();
    const text = textBox.value;
    if (!text.trim() || button.disabled) {
      return;
    }
    const sent = addBubble("official", text, "mengirim…");
    textBox.value = "";
    button.disabled = true;
    try {
      const { replies, time } = await postToWebhook(text);
      sent.querySelector(".meta").textContent = time;
      for (const reply of replies) {
        addBubble("bot", reply, time);
      }
    } catch (error) {
      sent.querySelector(".meta").textContent = "gagal";
      const message = `Pesan tidak terkirim: ${error.message}`;
      addBubble("error", message, timeText(new Date(), page.timeZone));
    } finally {
      button.disabled = false;
      textBox.focus();
    }
    // Notices caused by this message are outbox rows: show them at once.
    poll();
  }

  form.addEventListener("submit", send);
  textBox.addEventListener("keydown", (event) => {
    // Enter sends, as in WhatsApp Web; Shift+Enter starts a new line.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  setInterval(poll, POLL_INTERVAL_MS);
  poll();
}

// Read each <Message> of a TwiML <Response>: its <Body> when it has one.
function twimlMessages(xml) {
  const doc = new DOMParser().parseFromString(xml, "application/xml");
  if (doc.querySelector("parsererror") || doc.documentElement.nodeName !== "Response") {
    throw new Error("the webhook response is not valid TwiML");
  }
  return Array.from(doc.documentElement.children)
    .filter((element) => element.nodeName === "Message")
    .map((message) => {
      const body = Array.from(message.children).find((child) => child.nodeName === "Body");
      return (body || message).textContent;
    });
}

// Show WhatsApp's *bold* as bold; everything else stays plain text.
function showFormatted(element, text) {
  element.replaceChildren();
  let start = 0;
  for (const match of text.matchAll(/\*([^*\n]+)\*/g)) {
    element.append(text.slice(start, match.index));
    const strong = document.createElement("strong");
    strong.textContent = match[1];
    element.append(strong);
    start = match.index + match[0].length;
  }
  element.append(text.slice(start));
}

// A MessageSid shaped like Twilio's: SM and 32 hex digits.
function newMessageSid() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return "SM" + Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

// Format a time as WhatsApp shows it in Indonesian, `09.18`, in the time zone
// `zone` (the regency's).
function timeText(date, zone) {
  const parts = new Intl.DateTimeFormat("en-GB", {
    hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: zone,
  }).formatToParts(date);
  const part = (type) => parts.find((item) => item.type === type).value;
  return `${part("hour")}.${part("minute")}`;
}
