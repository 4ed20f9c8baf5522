"""What the integration cases share besides the harness: rule files, request bodies and
the answers they must get. Case files import from here (and from harness.py), never
from one another."""

# --- request bodies and content types -------------------------------------------

# A call to the office (4921112345) from 492111234567: answered by the office rule of
# RULES, by the team rule of TEAM_RULES.
GOOD = "from=492111234567&to=4921112345&direction=in"

XML = "application/xml; charset=UTF-8"
TEXT = "text/plain; charset=UTF-8"

# --- the rules of the HTTP answers' examples (callrouter(8)), and their answers ---------------------

RULES = """
[settings]
country_code = 49
max_body = 1024

[list vip]
numbers = +49 151 12345678

[rule vip]
from = @vip
action = dial 4915799912345

[rule spam]
from = 4930123456, 4940*, anonymous
action = reject busy

[rule office]
direction = in
to = 4921112345*
action = dial 4915799912345 4915799912346
caller_id = 492111234567
anonymous = false

[rule outgoing]
direction = out
action = dial $to
caller_id = 492111234567
"""

DIAL_OFFICE = """<?xml version="1.0" encoding="UTF-8"?>
<Response>
  <Dial callerId="492111234567" anonymous="false">
    <Number>4915799912345</Number>
    <Number>4915799912346</Number>
  </Dial>
</Response>
"""
EMPTY = """<?xml version="1.0" encoding="UTF-8"?>
<Response/>
"""
BUSY = """<?xml version="1.0" encoding="UTF-8"?>
<Response>
  <Reject reason="busy"/>
</Response>
"""


def write_rules(run, extra=""):
    """RULES (and `extra` after them) as rules.ini in the run's folder."""
    return run.write("rules.ini", RULES + extra)


# --- a rule file with a list file, for reloads: one rule, to = @team ---------------

TEAM_RULES = """[settings]
country_code = 49
[list team]
file = team.txt
[rule office]
to = @team
action = {action}
"""
TEAM = "# the team\n4921112345\n"

# A rule file that journals every call to GOOD's number (callrouter.ini(5), JOURNAL);
# .format(journal=PATH).
JOURNAL_RULES = """[settings]
country_code = 49
public_url = https://example.com/callrouter
journal = {journal}
[rule office]
to = 4921112345
action = voicemail
"""


def answer_of(action_xml):
    """The answer of one action element."""
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<Response>\n  {action_xml}\n</Response>\n'


def dial_xml(n):
    """The answer of `action = dial N`, with nothing else set."""
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<Response>\n  <Dial>\n    <Number>{n}</Number>\n  </Dial>\n</Response>\n'


# --- the one rule that the deployment and front-end cases serve ---------------------

DEPLOY_RULES = """
[settings]
country_code = 49
max_body = 8192

[rule office]
direction = in
to = 4921112345*
action = dial 4915799912345
"""

DEPLOY_CALL = "from=492111234567&to=4921112345&direction=in"
DEPLOY_DIAL = """<?xml version="1.0" encoding="UTF-8"?>
<Response>
  <Dial>
    <Number>4915799912345</Number>
  </Dial>
</Response>
"""
