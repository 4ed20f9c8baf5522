<?php
// make bench: the sample rules (etc/callrouter.ini) written out in PHP, run by PHP-FPM
// behind the same nginx: parse the POST, normalise the numbers, try the rules in order,
// answer the XML. What it leaves out: the public holidays of [hours office] (the closed
// days listed are kept), the log line, and the checks of the request's head.
const CC = '49';
const VIP = ['4915112345678' => true, '491701234567' => true];
const SPAM_EXACT = ['4930123456' => true];
const SPAM_PREFIX = ['4940'];
const CLOSED_DAYS = ['2026-12-24', '2026-12-31', '2027-01-01'];

// A number as callrouter keeps it: digits with the country code, or 'anonymous'.
function number(string $s): ?string {
    $s = str_replace([' ', '-', '/', '(', ')'], '', $s);
    if ($s === 'anonymous' || $s === '') return 'anonymous';
    if ($s[0] === '+') $s = substr($s, 1);
    elseif (strncmp($s, '00', 2) === 0) $s = substr($s, 2);
    elseif ($s[0] === '0') $s = CC . substr($s, 1);
    return ctype_digit($s) ? $s : null;
}

// [hours office]: mon-thu 09:00-12:30, 13:30-17:00; fri 09:00-14:00; the closed days.
function office_open(DateTimeImmutable $t): bool {
    if (in_array($t->format('Y-m-d'), CLOSED_DAYS, true)) return false;
    $dow = (int)$t->format('N');
    $m = (int)$t->format('G') * 60 + (int)$t->format('i');
    if ($dow <= 4) return ($m >= 540 && $m < 750) || ($m >= 810 && $m < 1020);
    if ($dow === 5) return $m >= 540 && $m < 840;
    return false;
}

function xml(string $inner): string {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response>\n" . $inner . "</Response>\n";
}

function dial(array $numbers, string $attrs = ''): string {
    $s = "  <Dial$attrs>\n";
    foreach ($numbers as $n) $s .= '    <Number>' . htmlspecialchars($n, ENT_XML1) . "</Number>\n";
    return $s . "  </Dial>\n";
}

header('Content-Type: application/xml; charset=utf-8');
$from = number($_POST['from'] ?? '');
$to = number($_POST['to'] ?? '');
$direction = $_POST['direction'] ?? '';
if ($from === null || $to === null || ($direction !== 'in' && $direction !== 'out')) {
    http_response_code(400);
    exit;
}
$open = office_open(new DateTimeImmutable('now', new DateTimeZone('Europe/Berlin')));
$spam = isset(SPAM_EXACT[$from]);
foreach (SPAM_PREFIX as $p) $spam = $spam || strncmp($from, $p, strlen($p)) === 0;
if ($direction === 'in' && isset(VIP[$from])) {
    echo xml(dial(['4915112345678']));
} elseif ($direction === 'in' && $spam) {
    echo xml("  <Reject reason=\"busy\"/>\n");
} elseif ($direction === 'in' && $from === 'anonymous' && !$open) {
    echo xml("  <Reject/>\n");
} elseif ($direction === 'in' && $to === '4915791234567' && $open) {
    echo xml(dial(['4921112345601', '4921112345602', '4921112345603'],
                  ' callerId="4915791234567" anonymous="false"'));
} elseif ($direction === 'in' && $to === '4915791234567') {
    echo xml("  <Dial>\n    <Voicemail/>\n  </Dial>\n");
} elseif ($direction === 'out') {
    echo xml(dial([$to], ' callerId="4915791234567"'));
} else {
    echo xml('');
}
