#!/usr/bin/env node
// The SMSC the gateway's SMPP tests bind to: node-smpp (npm `smpp`) as a real SMPP 3.4
// server, plus a loopback HTTP control port (JSON) through which a test steers it and
// reads what it saw.
//
//   node simulator.js --system-id gateway --password secret12 [--smpp-port 0]
//                     [--control-port 0] [--host 127.0.0.1]
//
// (or SMSC_SYSTEM_ID / SMSC_PASSWORD / SMSC_SMPP_PORT / SMSC_CONTROL_PORT). Port 0 picks a
// free port; the ports in use are printed as one JSON line on stdout once both listen:
//   {"smpp_port": 40123, "control_port": 40124, "pid": 4242}
//
// What it does, as an SMSC would: checks the bind credentials (wrong password ->
// ESME_RINVPASWD, unknown system_id -> ESME_RINVSYSID), accepts transceiver, transmitter
// and receiver binds, answers submit_sm with a message id and keeps every submit_sm it was
// sent (decoded fields and the raw short_message), answers enquire_link and unbind, and
// sends deliver_sm (MO messages and delivery receipts) to a bound receiver or transceiver.
// What a test can make it do (control API, see ROUTES below): throttle every Nth submit,
// reject or hold submits, send receipts, inject MO (GSM-7 / Latin-1 / UCS-2, concatenated
// by UDH with 8- or 16-bit references or by SAR TLVs), drop every connection, write
// garbage or truncated PDUs, change the accepted credentials.
'use strict';

const http = require('http');
const smpp = require('smpp');

const STATUS = smpp.errors;
const ESM_UDHI = 0x40;
const ESM_RECEIPT = 0x04;
const ESME_RX_T_APPN = 0x64; // a temporary error: the SMSC delivers the message again
const MESSAGE_STATES = {
  ENROUTE: 1, DELIVRD: 2, EXPIRED: 3, DELETED: 4, UNDELIV: 5, ACCEPTD: 6, UNKNOWN: 7, REJECTD: 8,
};
// Payload room of one SMS: 140 octets; a concatenation UDH takes 6 (8-bit ref) or 7 octets.
const SMS_OCTETS = 140;

// node-smpp decodes short_message into {udh, message} with its own charset guesses; the
// simulator keeps the octets as sent instead, so the tests see exactly what went on the wire.
for (const command of ['submit_sm', 'deliver_sm', 'data_sm']) {
  const param = smpp.commands[command].params && smpp.commands[command].params.short_message;
  if (param) {
    param.filter = { encode: smpp.filters.message.encode, decode: (value) => value };
  }
}
if (smpp.tlvs.message_payload) {
  smpp.tlvs.message_payload.filter = {
    encode: smpp.filters.message.encode, decode: (value) => value,
  };
}

function options() {
  const args = process.argv.slice(2);
  const flag = (name, envName, fallback) => {
    const at = args.indexOf(`--${name}`);
    if (at >= 0 && at + 1 < args.length) return args[at + 1];
    return process.env[envName] !== undefined ? process.env[envName] : fallback;
  };
  return {
    host: flag('host', 'SMSC_HOST', '127.0.0.1'),
    systemId: flag('system-id', 'SMSC_SYSTEM_ID', 'gateway'),
    password: flag('password', 'SMSC_PASSWORD', 'secret12'),
    smppPort: Number(flag('smpp-port', 'SMSC_SMPP_PORT', '0')),
    controlPort: Number(flag('control-port', 'SMSC_CONTROL_PORT', '0')),
  };
}

const config = options();
const startTag = Date.now().toString(36);

const state = {
  credentials: { systemId: config.systemId, password: config.password },
  nextSession: 1,
  nextMessage: 1,
  sessions: new Map(), // id -> {id, session, mode, system_id, unanswered}
  events: [], // bind / bind_refused / unbind / close, in order
  submitted: [], // every submit_sm, answered or not
  deliveries: [], // every deliver_sm sent, with the ESME's answer
  pendingDeliveries: [], // deliver_sm waiting for a receiver bind
  counters: {
    binds: 0, bind_refused: 0, submits: 0, submits_accepted: 0, submits_rejected: 0,
    throttled: 0, delivers_sent: 0, deliver_resps: 0, enquire_links: 0, unbinds: 0,
    garbage_sent: 0, drops: 0, max_unanswered: 0, generic_nacks: 0, connection_errors: 0,
  },
  throttle: { every: 0, status: STATUS.ESME_RTHROTTLED, seen: 0 },
  reject: { count: 0, status: STATUS.ESME_RSYSERR },
  submitMode: { delay_ms: 0, answer: true },
  autoReceipt: { stat: null, delay_ms: 0 },
};

function now() {
  return new Date().toISOString();
}

function log(message) {
  process.stderr.write(`smsc: ${message}\n`);
}

function event(kind, details) {
  state.events.push(Object.assign({ event: kind, time: now() }, details));
}

// --- decoding what an ESME sent ----------------------------------------------------------

function decodeText(octets, dataCoding) {
  const scheme = dataCoding & 0x0F;
  if (dataCoding === 8 || scheme === 8) {
    const even = octets.length - (octets.length % 2);
    return Buffer.from(octets.subarray(0, even)).swap16().toString('utf16le');
  }
  if (dataCoding === 3) return octets.toString('latin1');
  if (dataCoding === 0 || dataCoding === 1) return smpp.gsmCoder.decode(octets, 0x00);
  return null;
}

function splitUdh(octets, esmClass) {
  if (!(esmClass & ESM_UDHI) || octets.length === 0) return { udh: null, body: octets };
  const udhLength = octets[0] + 1;
  return { udh: octets.subarray(0, udhLength), body: octets.subarray(udhLength) };
}

function concatFromUdh(udh) {
  if (!udh) return null;
  for (let at = 1; at + 1 < udh.length;) {
    const iei = udh[at];
    const length = udh[at + 1];
    const data = udh.subarray(at + 2, at + 2 + length);
    if (iei === 0x00 && length === 3) return { ref: data[0], total: data[1], index: data[2], bits: 8 };
    if (iei === 0x08 && length === 4) {
      return { ref: data.readUInt16BE(0), total: data[2], index: data[3], bits: 16 };
    }
    at += 2 + length;
  }
  return null;
}

function record(pdu, sessionInfo) {
  const raw = Buffer.isBuffer(pdu.short_message) ? pdu.short_message : Buffer.alloc(0);
  const payload = Buffer.isBuffer(pdu.message_payload) ? pdu.message_payload : null;
  const octets = raw.length === 0 && payload ? payload : raw;
  const { udh, body } = splitUdh(octets, pdu.esm_class);
  const sar = pdu.sar_msg_ref_num !== undefined ? {
    ref: pdu.sar_msg_ref_num, total: pdu.sar_total_segments, index: pdu.sar_segment_seqnum,
  } : null;
  return {
    index: state.submitted.length,
    time: now(),
    session: sessionInfo.id,
    system_id: sessionInfo.system_id,
    sequence_number: pdu.sequence_number,
    service_type: pdu.service_type,
    source_addr: pdu.source_addr,
    source_addr_ton: pdu.source_addr_ton,
    source_addr_npi: pdu.source_addr_npi,
    destination_addr: pdu.destination_addr,
    dest_addr_ton: pdu.dest_addr_ton,
    dest_addr_npi: pdu.dest_addr_npi,
    esm_class: pdu.esm_class,
    protocol_id: pdu.protocol_id,
    priority_flag: pdu.priority_flag,
    registered_delivery: pdu.registered_delivery,
    data_coding: pdu.data_coding,
    short_message_hex: raw.toString('hex'),
    message_payload_hex: payload ? payload.toString('hex') : null,
    udh_hex: udh ? udh.toString('hex') : null,
    text: decodeText(body, pdu.data_coding),
    concat: concatFromUdh(udh) || sar,
    sar,
    command_status: null, // set when answered
    message_id: null,
  };
}

// --- building what the SMSC sends --------------------------------------------------------

// GSM-7 through node-smpp's table, which turns a character outside GSM 03.38 into a space.
function encodeText(text, encoding) {
  if (encoding === 'ucs2') return { octets: Buffer.from(text, 'utf16le').swap16(), dataCoding: 8 };
  if (encoding === 'latin1') return { octets: Buffer.from(text, 'latin1'), dataCoding: 3 };
  return { octets: smpp.gsmCoder.encode(text, 0x00), dataCoding: 0 };
}

// Cuts encoded text into chunks of at most `size` octets without separating a GSM escape
// (0x1B + char) or a UTF-16 surrogate pair.
function chunk(octets, size, encoding) {
  const chunks = [];
  let start = 0;
  while (start < octets.length) {
    let end = Math.min(start + size, octets.length);
    if (end < octets.length) {
      if (encoding === 'gsm7' && octets[end - 1] === 0x1B) end -= 1;
      if (encoding === 'ucs2') {
        end -= (end - start) % 2;
        const high = octets.readUInt16BE(end - 2);
        if (high >= 0xD800 && high <= 0xDBFF) end -= 2;
      }
    }
    chunks.push(octets.subarray(start, end));
    start = end;
  }
  return chunks;
}

function moPdus(body) {
  const encoding = body.encoding || 'gsm7';
  const concat = body.concat || null; // null | 'udh8' | 'udh16' | 'sar'
  const ref = body.ref !== undefined ? body.ref : Math.floor(Math.random() * 200) + 1;
  const base = {
    service_type: body.service_type || '',
    source_addr: body.source_addr || '84912345678',
    source_addr_ton: body.source_addr_ton !== undefined ? body.source_addr_ton : 1,
    source_addr_npi: body.source_addr_npi !== undefined ? body.source_addr_npi : 1,
    destination_addr: body.destination_addr || '8088',
    dest_addr_ton: body.dest_addr_ton !== undefined ? body.dest_addr_ton : 3,
    dest_addr_npi: body.dest_addr_npi !== undefined ? body.dest_addr_npi : 0,
  };
  let chunks;
  let dataCoding;
  if (body.hex !== undefined) {
    chunks = [Buffer.from(body.hex, 'hex')];
    dataCoding = body.data_coding || 0;
  } else if (Array.isArray(body.parts)) {
    chunks = body.parts.map((part) => encodeText(part, encoding).octets);
    dataCoding = encodeText('', encoding).dataCoding;
  } else {
    const encoded = encodeText(body.text || '', encoding);
    dataCoding = encoded.dataCoding;
    if (!concat) {
      chunks = [encoded.octets];
    } else {
      const header = concat === 'udh16' ? 7 : concat === 'udh8' ? 6 : 0;
      const room = body.part_octets || (encoding === 'gsm7' ? 160 - Math.ceil(header * 8 / 7)
        : SMS_OCTETS - header);
      chunks = chunk(encoded.octets, room, encoding);
    }
  }
  if (body.data_coding !== undefined) dataCoding = body.data_coding;
  const total = chunks.length;
  let pdus = chunks.map((octets, i) => {
    const pdu = Object.assign({}, base, { data_coding: dataCoding, esm_class: 0 });
    const index = i + 1;
    if (concat === 'udh8') {
      pdu.short_message = Buffer.concat([Buffer.from([5, 0, 3, ref & 0xFF, total, index]), octets]);
      pdu.esm_class = ESM_UDHI;
    } else if (concat === 'udh16') {
      pdu.short_message = Buffer.concat([
        Buffer.from([6, 8, 4, (ref >> 8) & 0xFF, ref & 0xFF, total, index]), octets]);
      pdu.esm_class = ESM_UDHI;
    } else {
      pdu.short_message = octets;
      if (concat === 'sar') {
        pdu.sar_msg_ref_num = ref & 0xFFFF;
        pdu.sar_total_segments = total;
        pdu.sar_segment_seqnum = index;
      }
    }
    if (body.esm_class !== undefined) pdu.esm_class = body.esm_class;
    if (body.receipted_message_id) pdu.receipted_message_id = body.receipted_message_id;
    return pdu;
  });
  if (Array.isArray(body.order)) pdus = body.order.map((n) => pdus[n - 1]);
  return pdus;
}

function receiptDate(date) {
  const p = (n) => String(n).padStart(2, '0');
  return `${p(date.getUTCFullYear() % 100)}${p(date.getUTCMonth() + 1)}${p(date.getUTCDate())}`
    + `${p(date.getUTCHours())}${p(date.getUTCMinutes())}`;
}

function receiptPdu(body) {
  const original = state.submitted.find((s) => s.message_id === body.message_id) || {};
  const stat = body.stat || 'DELIVRD';
  const err = body.err || (stat === 'DELIVRD' ? '000' : '001');
  const textId = body.text_id !== undefined ? body.text_id : body.message_id;
  const dlvrd = stat === 'DELIVRD' ? '001' : '000';
  const date = receiptDate(new Date());
  const snippet = (original.text || '').slice(0, 20);
  const text = `id:${textId} sub:001 dlvrd:${dlvrd} submit date:${date} done date:${date} `
    + `stat:${stat} err:${err} text:${snippet}`;
  const pdu = {
    source_addr: original.destination_addr || body.source_addr || '84912345678',
    source_addr_ton: original.dest_addr_ton !== undefined ? original.dest_addr_ton : 1,
    source_addr_npi: original.dest_addr_npi !== undefined ? original.dest_addr_npi : 1,
    destination_addr: original.source_addr || body.destination_addr || '8088',
    dest_addr_ton: original.source_addr_ton || 0,
    dest_addr_npi: original.source_addr_npi || 0,
    esm_class: ESM_RECEIPT,
    data_coding: 0,
    short_message: body.with_text === false ? Buffer.alloc(0) : Buffer.from(text, 'latin1'),
  };
  if (body.with_tlvs !== false) {
    pdu.receipted_message_id = body.message_id;
    pdu.message_state = MESSAGE_STATES[stat] || MESSAGE_STATES.UNKNOWN;
  }
  return pdu;
}

// --- sessions ----------------------------------------------------------------------------

function receivers() {
  return [...state.sessions.values()].filter((s) => s.mode === 'transceiver' || s.mode === 'receiver');
}

function deliver(pdu, kind) {
  const targets = receivers();
  if (targets.length === 0) {
    state.pendingDeliveries.push({ pdu, kind });
    return { queued: true };
  }
  const target = targets[state.counters.delivers_sent % targets.length];
  const entry = {
    kind, session: target.id, time: now(), sequence_number: null, command_status: null,
  };
  state.deliveries.push(entry);
  const sent = target.session.deliver_sm(Object.assign({}, pdu), (resp) => {
    entry.command_status = resp.command_status;
    state.counters.deliver_resps += 1;
  }, (sentPdu) => { entry.sequence_number = sentPdu.sequence_number; });
  if (sent) state.counters.delivers_sent += 1;
  entry.pdu = pdu;
  return { queued: false, session: target.id, sent };
}

function flushPending() {
  const pending = state.pendingDeliveries.splice(0);
  for (const { pdu, kind } of pending) deliver(pdu, kind);
}

function answerSubmit(info, pdu) {
  state.counters.submits += 1;
  const entry = record(pdu, info);
  state.submitted.push(entry);
  let status = STATUS.ESME_ROK;
  if (info.mode === 'receiver' || info.mode === null) {
    status = STATUS.ESME_RINVBNDSTS;
  } else if (state.reject.count > 0) {
    state.reject.count -= 1;
    status = state.reject.status;
  } else if (state.throttle.every > 0) {
    state.throttle.seen += 1;
    if (state.throttle.seen % state.throttle.every === 0) {
      status = state.throttle.status;
      state.counters.throttled += 1;
    }
  }
  if (!state.submitMode.answer) return; // held: the ESME never hears back
  info.unanswered += 1;
  state.counters.max_unanswered = Math.max(state.counters.max_unanswered, info.unanswered);
  const answer = () => {
    if (state.frozen) return; // dead from the ESME's side: no answer leaves any more
    info.unanswered -= 1;
    entry.command_status = status;
    if (status === STATUS.ESME_ROK) {
      entry.message_id = `${startTag}${(state.nextMessage++).toString(16).padStart(6, '0')}`;
      state.counters.submits_accepted += 1;
      info.session.send(pdu.response({ message_id: entry.message_id }));
      if (state.autoReceipt.stat && entry.registered_delivery & 0x03) {
        const receipt = receiptPdu({ message_id: entry.message_id, stat: state.autoReceipt.stat });
        setTimeout(() => deliver(receipt, 'receipt'), state.autoReceipt.delay_ms);
      }
    } else {
      state.counters.submits_rejected += 1;
      info.session.send(pdu.response({ command_status: status }));
    }
  };
  if (state.submitMode.delay_ms > 0) setTimeout(answer, state.submitMode.delay_ms);
  else answer();
}

function bind(info, pdu, mode) {
  const { systemId, password } = state.credentials;
  let status = STATUS.ESME_ROK;
  if (pdu.system_id !== systemId) status = STATUS.ESME_RINVSYSID;
  else if (pdu.password !== password) status = STATUS.ESME_RINVPASWD;
  else if (info.mode) status = STATUS.ESME_RALYBND;
  if (status !== STATUS.ESME_ROK) {
    state.counters.bind_refused += 1;
    event('bind_refused', { session: info.id, mode, system_id: pdu.system_id, command_status: status });
    // Wrong credentials end the connection, as carriers do; a second bind on a bound
    // session is only refused.
    const already = status === STATUS.ESME_RALYBND;
    info.session.send(pdu.response({ command_status: status }),
      () => { if (!already) info.session.close(); });
    return;
  }
  info.mode = mode;
  info.system_id = pdu.system_id;
  state.counters.binds += 1;
  event('bind', { session: info.id, mode, system_id: pdu.system_id, system_type: pdu.system_type });
  info.session.send(pdu.response({ system_id: 'smsc-simulator' }));
  if (mode !== 'transmitter') flushPending();
}

function onSession(session) {
  const info = { id: state.nextSession++, session, mode: null, system_id: null, unanswered: 0 };
  state.sessions.set(info.id, info);
  session.on('bind_transceiver', (pdu) => bind(info, pdu, 'transceiver'));
  session.on('bind_transmitter', (pdu) => bind(info, pdu, 'transmitter'));
  session.on('bind_receiver', (pdu) => bind(info, pdu, 'receiver'));
  session.on('submit_sm', (pdu) => answerSubmit(info, pdu));
  session.on('enquire_link', (pdu) => {
    state.counters.enquire_links += 1;
    session.send(pdu.response());
  });
  session.on('unbind', (pdu) => {
    state.counters.unbinds += 1;
    event('unbind', { session: info.id, mode: info.mode });
    info.mode = null;
    session.send(pdu.response(), () => session.close());
  });
  session.on('unknown', (pdu) => {
    state.counters.generic_nacks += 1;
    session.send(pdu.response());
  });
  session.on('error', (error) => {
    // node-smpp stops reading a session whose stream it could not parse: end it.
    state.counters.connection_errors += 1;
    log(`session ${info.id}: ${error.message}`);
    session.destroy();
  });
  session.on('close', () => {
    state.sessions.delete(info.id);
    event('close', { session: info.id, mode: info.mode });
  });
}

// --- control API -------------------------------------------------------------------------

const GARBAGE = {
  // Four octets of length 0xFFFFFFFF and noise: no SMPP PDU can be read from it.
  junk: () => Buffer.from('ffffffff' + 'de'.repeat(28), 'hex'),
  // The header of a 200-octet deliver_sm with only 40 octets after it.
  truncated: () => {
    const header = Buffer.alloc(16);
    header.writeUInt32BE(200, 0);
    header.writeUInt32BE(0x00000005, 4);
    header.writeUInt32BE(0, 8);
    header.writeUInt32BE(0x7ffffff0, 12);
    return Buffer.concat([header, Buffer.alloc(40, 0x41)]);
  },
  // A command_length smaller than the 16-octet header.
  short_length: () => Buffer.from('00000008000000150000000000000001', 'hex'),
  // A well-formed PDU with a command_id SMPP 3.4 does not define.
  unknown_command: () => Buffer.from('0000001000000999000000007ffffff1', 'hex'),
};

function sendGarbage(body) {
  const octets = body.hex !== undefined ? Buffer.from(body.hex, 'hex') : (GARBAGE[body.kind || 'junk'] || GARBAGE.junk)();
  let written = 0;
  for (const info of state.sessions.values()) {
    if (info.session.socket.writable) {
      info.session.socket.write(octets);
      written += 1;
    }
  }
  state.counters.garbage_sent += 1;
  if (body.then_close) {
    for (const info of state.sessions.values()) info.session.socket.end();
  }
  return { sessions: written, octets: octets.length };
}

function drop() {
  const count = state.sessions.size;
  for (const info of state.sessions.values()) info.session.socket.destroy();
  state.counters.drops += 1;
  return { dropped: count };
}

function publicSessions() {
  return [...state.sessions.values()].map((s) => ({
    id: s.id, mode: s.mode, system_id: s.system_id, unanswered: s.unanswered,
  }));
}

function publicDeliveries() {
  return state.deliveries.map((d) => ({
    kind: d.kind, session: d.session, time: d.time,
    sequence_number: d.sequence_number, command_status: d.command_status,
    redelivered: Boolean(d.redelivered),
  }));
}

const ROUTES = {
  'GET /state': () => ({
    sessions: publicSessions(), events: state.events, counters: state.counters,
    throttle: state.throttle, submit_mode: state.submitMode,
    pending_deliveries: state.pendingDeliveries.length,
  }),
  // ?since=N: only the submits after the first N (a poller need not read them all).
  'GET /submitted': (body, query) => state.submitted.slice(Number(query.get('since') || 0)),
  'GET /deliveries': () => publicDeliveries(),
  'POST /reset': () => {
    state.submitted = [];
    state.deliveries = [];
    state.events = [];
    state.pendingDeliveries = [];
    for (const key of Object.keys(state.counters)) state.counters[key] = 0;
    state.throttle = { every: 0, status: STATUS.ESME_RTHROTTLED, seen: 0 };
    state.reject = { count: 0, status: STATUS.ESME_RSYSERR };
    state.submitMode = { delay_ms: 0, answer: true };
    state.autoReceipt = { stat: null, delay_ms: 0 };
    return { ok: true };
  },
  'POST /credentials': (body) => {
    state.credentials = { systemId: body.system_id, password: body.password };
    return { ok: true };
  },
  'POST /throttle': (body) => {
    state.throttle = { every: body.every || 0, status: body.status || STATUS.ESME_RTHROTTLED, seen: 0 };
    return state.throttle;
  },
  'POST /reject': (body) => {
    state.reject = { count: body.count || 1, status: body.status || STATUS.ESME_RSYSERR };
    return state.reject;
  },
  'POST /submit_mode': (body) => {
    state.submitMode = { delay_ms: body.delay_ms || 0, answer: body.answer !== false };
    return state.submitMode;
  },
  'POST /auto_receipts': (body) => {
    state.autoReceipt = { stat: body.stat || null, delay_ms: body.delay_ms || 0 };
    return state.autoReceipt;
  },
  'POST /receipt': (body) => deliver(receiptPdu(body), 'receipt'),
  'POST /mo': (body) => {
    const pdus = moPdus(body);
    return { parts: pdus.length, results: pdus.map((pdu) => deliver(pdu, 'mo')) };
  },
  'POST /redeliver': () => {
    // What an SMSC retries: deliveries never answered, and those answered with a
    // temporary error (ESME_RX_T_APPN), which keep their status and are marked retried.
    const unanswered = state.deliveries.filter((d) => d.command_status === null);
    for (const d of unanswered) d.command_status = 'redelivered';
    const deferred = state.deliveries.filter(
      (d) => d.command_status === ESME_RX_T_APPN && !d.redelivered);
    for (const d of deferred) d.redelivered = true;
    const again = [...unanswered, ...deferred];
    return { redelivered: again.map((d) => deliver(d.pdu, d.kind)).length };
  },
  'POST /freeze': () => {
    // The instant of a kill: nothing is answered from now on, so what the control API
    // reports next is all the ESME ever heard accepted (tests/smsc_peer.py restart()).
    state.frozen = true;
    return { frozen: true };
  },
  'POST /drop': () => drop(),
  'POST /garbage': (body) => sendGarbage(body),
  'POST /unbind': () => {
    // Once the ESME answers unbind_resp the session is over: close it, as an SMSC does.
    for (const info of state.sessions.values()) {
      info.session.unbind(() => {
        event('unbind', { session: info.id, mode: info.mode, by: 'smsc' });
        info.mode = null;
        info.session.close();
      });
    }
    return { sessions: state.sessions.size };
  },
  'POST /enquire_link': () => {
    for (const info of state.sessions.values()) info.session.enquire_link();
    return { sessions: state.sessions.size };
  },
};

function control(request, response) {
  const chunks = [];
  request.on('data', (c) => chunks.push(c));
  request.on('end', () => {
    const route = ROUTES[`${request.method} ${request.url.split('?')[0]}`];
    let status = 200;
    let answer;
    try {
      if (!route) {
        status = 404;
        answer = { error: `no route ${request.method} ${request.url}` };
      } else {
        const text = Buffer.concat(chunks).toString('utf8');
        const query = new URLSearchParams(request.url.split('?')[1] || '');
        answer = route(text ? JSON.parse(text) : {}, query);
      }
    } catch (error) {
      status = 400;
      answer = { error: error.message };
    }
    response.writeHead(status, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify(answer));
  });
}

// --- start ---------------------------------------------------------------------------------

process.on('uncaughtException', (error) => log(`uncaught: ${error.stack || error}`));
process.on('SIGTERM', () => process.exit(0));

const server = smpp.createServer(onSession);
server.on('error', (error) => {
  log(`smpp server: ${error.message}`);
  process.exit(2);
});
const controlServer = http.createServer(control);

server.listen(config.smppPort, config.host, () => {
  controlServer.listen(config.controlPort, config.host, () => {
    process.stdout.write(`${JSON.stringify({
      smpp_port: server.address().port,
      control_port: controlServer.address().port,
      pid: process.pid,
    })}\n`);
  });
});
