import ipaddress
import time
from datetime import timedelta

from psycopg2.errors import SerializationFailure

from odoo import api, fields, models
from odoo.tools import SQL

# What is limited, per address (an IPv4 address or an IPv6 /64) or per email:
# scope -> (attempts allowed in the window, window, lockout once over)
LIMITS = {
    "key": (10, timedelta(minutes=10), timedelta(minutes=15)),  # failed key lookups
    "verify": (5, timedelta(minutes=30), timedelta(minutes=30)),  # failed identity checks
    "link_ip": (5, timedelta(hours=1), timedelta(hours=1)),  # "Email me a new link" from one address
    "link_email": (1, timedelta(minutes=10), timedelta(minutes=10)),  # ... for one email address
}


class SerenePortalThrottle(models.Model):
    """Attempt counters kept in the database, so that every worker and every server counts the
    same. Each count is one atomic statement, committed at once in its own transaction: a
    parallel burst is counted attempt by attempt, before any lookup it would buy."""

    _name = "serene.portal.throttle"
    _description = "Client Portal Attempt Counters"
    _log_access = False

    scope = fields.Char(required=True)
    key = fields.Char(required=True, help="An IPv4 address, an IPv6 /64 network, or a hash of an email address.")
    window_start = fields.Datetime(required=True)
    count = fields.Integer(required=True)
    blocked_until = fields.Datetime(index="btree_not_null")

    _scope_key_unique = models.Constraint("UNIQUE(scope, key)", "One counter per scope and key.")

    @api.model
    def _address_key(self, address):
        """The unit of counting: an IPv4 address, or the /64 network of an IPv6 address (a
        host picks any address in its /64 freely)."""
        try:
            ip = ipaddress.ip_address(address or "")
        except ValueError:
            return address or "unknown"
        if ip.version == 6:
            if ip.ipv4_mapped:
                return str(ip.ipv4_mapped)
            return str(ipaddress.ip_network(f"{ip}/64", strict=False))
        return str(ip)

    @api.model
    def _lockout_minutes(self, scope="key"):
        return int(LIMITS[scope][2].total_seconds() // 60)

    @api.model
    def _take(self, scope, key, amount=1):
        """Count ``amount`` attempts for (scope, key) and return whether they are allowed: one
        atomic upsert, committed at once, whatever the request does next."""
        now = fields.Datetime.now()
        row_id, count, blocked_until = self._execute_apart(self._count_query(scope, key, now, amount))
        return self._settle(scope, now, row_id, count, blocked_until)

    @api.model
    def _take_unless(self, scope, key, probe):
        """Count one attempt for (scope, key) unless ``probe`` finds what the attempt asked for,
        in one atomic statement committed at once: ``(allowed, found)``, ``found`` being the id
        that ``probe`` (an SQL query of one id column) returned, only when allowed.

        Used for key lookups, so that a good key costs one round trip instead of a take and a
        give-back. The rule stays the one of ``_take`` followed by a give-back for a good key:
        every attempt needs a free slot, and only a failed one keeps it. The probe and the count
        are one statement on the counter's row, which concurrent attempts update one after the
        other (a concurrent update retries the statement, see ``_execute_apart``). So each
        attempt is decided on the count left by all the attempts before it, and the same way
        whether its key was good or not: once the failed lookups of the window are used up, a
        good key and a random one get the same refusal, and the probe's result is dropped. A
        parallel burst of random keys therefore gets at most the allowed answers, as before."""
        now = fields.Datetime.now()
        query = SQL(
            """
            WITH probe AS (%(probe)s LIMIT 1), counted AS (%(count)s)
            SELECT counted.id, counted.count, counted.blocked_until, (SELECT id FROM probe) FROM counted
            """,
            probe=probe,
            count=self._count_query(scope, key, now, SQL("CASE WHEN EXISTS (SELECT 1 FROM probe) THEN 0 ELSE 1 END")),
        )
        row_id, count, blocked_until, found = self._execute_apart(query)
        # A good key's slot is given back in the same statement: decided as if it were taken.
        allowed = self._settle(scope, now, row_id, count + (1 if found else 0), blocked_until)
        return allowed, found if allowed else None

    @api.model
    def _check_found(self, scope, key, probe):
        """``(allowed, found)`` when ``probe`` finds what the attempt asked for, read in the
        request's own transaction, without a write; ``(None, None)`` when it finds nothing, and
        the attempt must then be counted by ``_take_unless``.

        The rule is ``_take_unless``'s for a good key: it needs a free slot of the window, and
        keeps none; refused while the address is locked out. Only the failed attempts write
        (one after the other, on the counter's row, apart): a good key costs no write, no lock
        and no transaction of its own, so the many clients behind one address do not queue on
        its counter. A parallel burst of random keys is still counted attempt by attempt."""
        now = fields.Datetime.now()
        limit, window, _lockout = LIMITS[scope]
        self.env.cr.execute(
            SQL(
                """
                WITH probe AS (%(probe)s LIMIT 1)
                SELECT probe.id, counter.window_start, counter.count, counter.blocked_until
                  FROM probe
             LEFT JOIN serene_portal_throttle counter ON counter.scope = %(scope)s AND counter.key = %(key)s
                """,
                probe=probe,
                scope=scope,
                key=key,
            )
        )
        row = self.env.cr.fetchone()
        if not row:
            return None, None
        found, window_start, count, blocked_until = row
        if blocked_until and blocked_until >= now:
            return False, None
        used = count if window_start and window_start >= now - window else 0
        if used + 1 > limit:
            return False, None
        return True, found

    @api.model
    def _count_query(self, scope, key, now, amount):
        """The atomic upsert counting ``amount`` (a number or an SQL expression) attempts for
        (scope, key), restarting a window that is over: returns (id, count, blocked_until)."""
        _limit, window, _lockout = LIMITS[scope]
        over = SQL(
            """serene_portal_throttle.window_start < %(since)s
               AND (serene_portal_throttle.blocked_until IS NULL OR serene_portal_throttle.blocked_until < %(now)s)""",
            since=now - window,
            now=now,
        )
        return SQL(
            """
            INSERT INTO serene_portal_throttle (scope, key, window_start, count)
                 SELECT %(scope)s, %(key)s, %(now)s, %(amount)s
            ON CONFLICT (scope, key) DO UPDATE SET
                 window_start = CASE WHEN %(over)s THEN %(now)s ELSE serene_portal_throttle.window_start END,
                 count = CASE WHEN %(over)s THEN 0 ELSE serene_portal_throttle.count END + EXCLUDED.count
              RETURNING id, count, blocked_until
            """,
            scope=scope,
            key=key,
            now=now,
            amount=amount,
            over=over,
        )

    @api.model
    def _settle(self, scope, now, row_id, count, blocked_until):
        """Whether an attempt that brought the count to ``count`` is allowed; the address is
        locked out once over the limit."""
        limit, _window, lockout = LIMITS[scope]
        if blocked_until and blocked_until >= now:
            return False
        if count > limit:
            self._execute_apart(
                SQL(
                    "UPDATE serene_portal_throttle SET blocked_until = %s WHERE id = %s"
                    " RETURNING id, count, blocked_until",
                    now + lockout,
                    row_id,
                )
            )
            return False
        return True

    @api.model
    def _give_back(self, scope, key, amount=1):
        """An attempt that turned out good does not count against the address."""
        self._execute_apart(
            SQL(
                "UPDATE serene_portal_throttle SET count = GREATEST(count - %s, 0) WHERE scope = %s AND key = %s"
                " RETURNING id, count, blocked_until",
                amount,
                scope,
                key,
            )
        )

    @api.model
    def _is_blocked(self, scope, key):
        self.env.cr.execute(
            SQL(
                "SELECT 1 FROM serene_portal_throttle WHERE scope = %s AND key = %s AND blocked_until >= %s",
                scope,
                key,
                fields.Datetime.now(),
            )
        )
        return bool(self.env.cr.fetchone())

    def _execute_apart(self, query):
        """Run ``query`` in a transaction of its own, committed at once (retried when a
        concurrent count on the same row makes it fail to serialize)."""
        for attempt in range(20):
            try:
                with self.env.registry.cursor() as cr:
                    cr.execute(query)
                    return cr.fetchone()
            except SerializationFailure:
                time.sleep(0.005 * (attempt + 1))
        raise SerializationFailure("attempt counter busy")

    @api.autovacuum
    def _gc_counters(self):
        longest = max(window + lockout for _limit, window, lockout in LIMITS.values())
        self.env.cr.execute(
            SQL(
                "DELETE FROM serene_portal_throttle"
                " WHERE window_start < %s AND (blocked_until IS NULL OR blocked_until < %s)",
                fields.Datetime.now() - longest,
                fields.Datetime.now(),
            )
        )
