"""Where the test data lives."""
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
EXAMPLES = TESTS / "examples"  # valid and invalid playbooks, with the expected messages
FIXTURES = TESTS / "fixtures"
GOLDEN = TESTS / "golden"  # plan text and JSON, rewritten with UPDATE_GOLDEN=1
PLAYBOOKS = ROOT / "playbooks"
SCHEMA = ROOT / "schemas" / "playbook.schema.json"
