// make bench: the sample rules (etc/callrouter.ini) written out for Node.js's own http
// module (no packages), behind the same nginx: parse the POST, normalise the numbers, try
// the rules in order, answer the XML; as bench/lookup.php, without the public holidays of
// [hours office], the log line and the checks of the request's head.
// usage: node bench/lookup.js SOCKET_PATH [WORKERS]  (WORKERS processes, cluster module)
'use strict';
const cluster = require('node:cluster');
const http = require('node:http');

const CC = '49';
const VIP = new Set(['4915112345678', '491701234567']);
const SPAM_EXACT = new Set(['4930123456']);
const SPAM_PREFIX = ['4940'];
const CLOSED_DAYS = new Set(['2026-12-24', '2026-12-31', '2027-01-01']);
const berlin = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/Berlin', year: 'numeric', month: '2-digit', day: '2-digit',
  weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
});
const DAYS = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

// A number as callrouter keeps it: digits with the country code, or 'anonymous'.
function number(s) {
  s = (s || '').replace(/[ \-/()]/g, '');
  if (s === '' || s === 'anonymous') return 'anonymous';
  if (s[0] === '+') s = s.slice(1);
  else if (s.startsWith('00')) s = s.slice(2);
  else if (s[0] === '0') s = CC + s.slice(1);
  return /^[0-9]+$/.test(s) ? s : null;
}

// [hours office]: mon-thu 09:00-12:30, 13:30-17:00; fri 09:00-14:00; the closed days.
function officeOpen(now) {
  const p = {};
  for (const { type, value } of berlin.formatToParts(now)) p[type] = value;
  if (CLOSED_DAYS.has(`${p.year}-${p.month}-${p.day}`)) return false;
  const dow = DAYS[p.weekday];
  const m = Number(p.hour) * 60 + Number(p.minute);
  if (dow <= 4) return (m >= 540 && m < 750) || (m >= 810 && m < 1020);
  if (dow === 5) return m >= 540 && m < 840;
  return false;
}

const xml = (inner) => `<?xml version="1.0" encoding="UTF-8"?>\n<Response>\n${inner}</Response>\n`;
const dial = (numbers, attrs = '') =>
  `  <Dial${attrs}>\n${numbers.map((n) => `    <Number>${n}</Number>\n`).join('')}  </Dial>\n`;

// The answer for one form body, or null for a bad request.
function answer(body) {
  const f = new URLSearchParams(body);
  const from = number(f.get('from')), to = number(f.get('to')), direction = f.get('direction');
  if (from === null || to === null || (direction !== 'in' && direction !== 'out')) return null;
  const open = officeOpen(new Date());
  const spam = SPAM_EXACT.has(from) || SPAM_PREFIX.some((p) => from.startsWith(p));
  if (direction === 'in' && VIP.has(from)) return xml(dial(['4915112345678']));
  if (direction === 'in' && spam) return xml('  <Reject reason="busy"/>\n');
  if (direction === 'in' && from === 'anonymous' && !open) return xml('  <Reject/>\n');
  if (direction === 'in' && to === '4915791234567' && open)
    return xml(dial(['4921112345601', '4921112345602', '4921112345603'],
                    ' callerId="4915791234567" anonymous="false"'));
  if (direction === 'in' && to === '4915791234567')
    return xml('  <Dial>\n    <Voicemail/>\n  </Dial>\n');
  if (direction === 'out') return xml(dial([to], ' callerId="4915791234567"'));
  return xml('');
}

const [socketPath, workers = '2'] = process.argv.slice(2);
if (cluster.isPrimary) {
  for (let i = 0; i < Number(workers); i++) cluster.fork();
  const stop = () => {
    for (const w of Object.values(cluster.workers)) w.process.kill('SIGTERM');
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} else {
  http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const out = req.method === 'POST' ? answer(Buffer.concat(chunks).toString('latin1')) : null;
      if (out === null) {
        res.writeHead(400, { 'Content-Type': 'text/plain' });
        res.end('bad request\n');
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/xml; charset=utf-8', 'Content-Length': Buffer.byteLength(out) });
      res.end(out);
    });
  }).listen(socketPath);
}
