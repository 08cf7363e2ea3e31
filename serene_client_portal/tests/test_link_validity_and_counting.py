"""One rule for a valid link and one way to count an attempt: the domain the key lookup is built
from and a link's state say the same; every scope (keys, identity checks, link requests) is
counted by the throttle's one method, a good key without a write."""

from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.fields import Domain
from odoo.tests import tagged
from odoo.tools import SQL

from .common import SereneTransactionCase

ADDRESS = "198.51.100.7"


@tagged("post_install", "-at_install", "serene", "security")
class TestLinkValidityAndCounting(SereneTransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal = (
            cls.env["serene.portal.item"]
            .create({"partner_id": cls.client.id, "item_type": "link", "name": "L", "url": "https://example.com"})
            .portal_id
        )
        cls.Link = cls.env["serene.portal.link"].sudo()
        cls.Throttle = cls.env["serene.portal.throttle"].sudo()

    def setUp(self):
        super().setUp()
        # The counts commit apart from the request: here, inside the test's transaction.
        self.enterContext(self.enter_registry_test_mode())

    def _key(self, **kw):
        return self.portal._new_access_url(**kw).rsplit("/", 1)[1]

    def _count(self, scope="key", key=ADDRESS):
        """The counter's (count, locked out now) as the database has it, or None without one."""
        self.env.cr.execute(
            SQL(
                "SELECT count, COALESCE(blocked_until >= %s, FALSE) FROM serene_portal_throttle"
                " WHERE scope = %s AND key = %s",
                fields.Datetime.now(),
                scope,
                key,
            )
        )
        return self.env.cr.fetchone()

    def test_the_domain_and_the_state_agree(self):
        self.company.serene_portal_max_live_links = 0
        keys = {
            "valid": self._key(),
            "never expires": self._key(expiry_days=0),
            "expired": self._key(),
            "revoked": self._key(),
        }
        links = {name: self.valid_link(key) for name, key in keys.items()}
        links["expired"].expires_at = fields.Datetime.now() - timedelta(seconds=1)
        links["revoked"].action_revoke()
        other = self._add(partner=self.client_other, user=self.user_manager).portal_id
        links["archived portal"] = self.valid_link(other._new_access_url().rsplit("/", 1)[1])
        other.sudo().active = False
        now = fields.Datetime.now()
        expected = {
            now: ("valid", "valid", "expired", "revoked", "archived"),
            now + timedelta(days=31): ("expired", "valid", "expired", "revoked", "expired"),
        }
        everything = self.Link.browse([link.id for link in links.values()])
        for moment, states in expected.items():
            with freeze_time(moment):
                everything.invalidate_recordset(["state"])
                domain = self.Link._valid_domain()
                valid = self.Link.search(Domain("id", "in", everything.ids) & domain)
                for (name, link), state in zip(links.items(), states, strict=True):
                    with self.subTest(name=name, moment=moment):
                        self.assertEqual(link._get_state(), state)
                        self.assertEqual(link.state, state)
                        self.assertEqual(link in valid, state == "valid", "the SQL says the same")
                        self.assertEqual(bool(link.filtered_domain(domain)), state == "valid")

    def test_an_archived_portal_keeps_its_live_links_for_revocation(self):
        key = self._key()
        link = self.valid_link(key)
        self.portal.sudo().active = False
        self.assertEqual(link.state, "archived")
        self.assertFalse(self.valid_link(key), "opens nothing while archived")
        self.assertEqual(link._filter_live(), link)
        self.client.with_user(self.user_owner).write({"email": "carla.new@example.com"})
        self.portal.sudo().active = True
        self.assertEqual(link.state, "revoked", "revoked with the change: unarchiving does not bring it back")
        self.assertFalse(self.valid_link(key))

    def test_the_lookup_counts_failed_keys_only(self):
        key = self._key()
        allowed, link = self.Link._find_valid_counted(key, ADDRESS)
        self.assertTrue(allowed)
        self.assertEqual(link, self.valid_link(key))
        self.assertIsNone(self._count(), "a good key writes nothing")
        revoked = self._key()
        self.valid_link(revoked).action_revoke()
        expired = self._key()
        self.valid_link(expired).expires_at = fields.Datetime.now()
        archived = self._add(partner=self.client_other, user=self.user_manager).portal_id
        archived_key = archived._new_access_url().rsplit("/", 1)[1]
        archived.sudo().active = False
        for n, wrong in enumerate((revoked, expired, archived_key, "", "x" * 500, key[:-1] + "!"), start=1):
            with self.subTest(n=n):
                self.assertEqual(self.Link._find_valid_counted(wrong, ADDRESS), (True, self.Link.browse()))
                self.assertEqual(self._count(), (n, False))
        self.assertEqual(self.Link._find_valid_counted(key, ADDRESS)[1], link, "a good key still opens")
        self.assertEqual(self._count(), (6, False), "and keeps no slot")
        for _n in range(3):
            self.Link._find_valid_counted("wrong", ADDRESS)
        self.assertEqual(self.Link._find_valid_counted(key, ADDRESS), (True, link), "the 10th slot is still free")
        self.assertEqual(self.Link._find_valid_counted("wrong", ADDRESS), (True, self.Link.browse()))
        self.assertEqual(self._count(), (10, False))
        self.assertEqual(self.Link._find_valid_counted("wrong", ADDRESS), (False, self.Link.browse()))
        self.assertEqual(self._count(), (11, True), "over the limit: locked out")
        self.assertEqual(self.Link._find_valid_counted(key, ADDRESS), (False, self.Link.browse()), "even a good key")
        self.assertEqual(self._count(), (11, True), "refused on a read")
        with freeze_time(fields.Datetime.now() + timedelta(minutes=16)):
            self.assertEqual(self.Link._find_valid_counted(key, ADDRESS), (True, link))

    def test_one_method_counts_and_gives_back(self):
        for _n in range(5):
            self.assertEqual(self.Throttle._count_attempt("verify", ADDRESS), (True, None))
        self.assertEqual(self.Throttle._count_attempt("verify", ADDRESS, amount=-1), (True, None))
        self.assertEqual(self._count("verify"), (4, False))
        self.assertEqual(self.Throttle._count_attempt("verify", ADDRESS), (True, None))
        self.assertEqual(self.Throttle._count_attempt("verify", ADDRESS), (False, None))
        self.assertEqual(self._count("verify"), (6, True))
        with freeze_time(fields.Datetime.now() + timedelta(minutes=31)):
            self.assertEqual(self.Throttle._count_attempt("verify", ADDRESS), (True, None), "a new window")
            self.assertEqual(self._count("verify"), (1, False))
            for _n in range(3):
                self.Throttle._count_attempt("verify", ADDRESS, amount=-1)
            self.assertEqual(self._count("verify"), (0, False), "never below nothing")
        self.Throttle._count_attempt("verify", "203.0.113.9", amount=-1)
        self.assertEqual(self._count("verify", "203.0.113.9"), (0, False))

    def test_unless_a_probe_finds_something(self):
        found = SQL("SELECT id FROM res_partner WHERE id = %s", self.client.id)
        nothing = SQL("SELECT id FROM res_partner WHERE FALSE")
        self.assertEqual(self.Throttle._count_attempt("key", ADDRESS, unless=found), (True, self.client.id))
        self.assertIsNone(self._count(), "found: read, not written")
        self.assertEqual(self.Throttle._count_attempt("key", ADDRESS, unless=nothing), (True, None))
        self.assertEqual(self._count(), (1, False))

    def test_identity_checks_are_counted_per_address_on_the_link(self):
        self.company.serene_portal_verify_birthdate = True
        self.client.serene_birthdate = "1990-04-12"
        link = self.valid_link(self._key())
        self.assertEqual(link._check_identity_counted(ADDRESS, birthdate="1990-04-12"), (True, None))
        self.assertEqual(self._count("verify"), (0, False), "a passed check gives its slot back")
        for _n in range(4):
            self.assertFalse(link._check_identity_counted(ADDRESS, birthdate="2000-01-01")[0])
        self.assertEqual(self._count("verify"), (4, False))
        fresh = self.valid_link(self._key())
        self.assertFalse(fresh._check_identity_counted(ADDRESS, birthdate="2000-01-01")[0])
        passed, message = fresh._check_identity_counted(ADDRESS, birthdate="1990-04-12")
        self.assertFalse(passed, "a fresh link buys no more guesses")
        self.assertIn("Too many attempts", message)
        self.assertEqual(fresh.failed_checks, 1, "refused before the check is made")
        self.assertTrue(link._check_identity_counted("203.0.113.9", birthdate="1990-04-12")[0], "another address")

    def test_link_requests_are_counted_per_address_then_per_email(self):
        Request = self.env["serene.portal.link.request"].sudo()
        self.assertTrue(Request._queue("carla@example.com", ADDRESS))
        self.assertFalse(Request._queue("Carla@Example.com", ADDRESS), "one per email per 10 minutes")
        self.assertFalse(Request._queue("not an email", ADDRESS))
        self.assertEqual(self._count("link_ip"), (3, False), "counted before the email is even read")
        self.assertTrue(Request._queue("oscar@example.com", ADDRESS))
        self.assertTrue(Request._queue("zoe@example.com", ADDRESS))
        self.assertFalse(Request._queue("nobody@example.com", ADDRESS), "the address's 6th request")
        queued = Request.search([]).mapped("email")
        self.assertEqual(queued, ["carla@example.com", "oscar@example.com", "zoe@example.com"])
