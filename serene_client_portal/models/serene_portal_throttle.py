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
    # Secure messages a client sends from one portal (the practice sets how many an hour).
    "message": (10, timedelta(hours=1), timedelta(0)),
    # Answers to email replies to a secure message notice, per email address.
    "reply_email": (1, timedelta(hours=1), timedelta(0)),
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
    def _count_attempt(self, scope, key, unless=None, amount=1, limit=None):
        """Count one attempt for (scope, key): ``(allowed, found)``. The count is one atomic
        upsert, committed at once in its own transaction, whatever the request does next; an
        attempt that turned out good is given back with ``amount=-1``.

        With ``unless`` (an SQL query of at most one id, such as a key lookup), the attempt is
        counted only when ``unless`` finds nothing, and ``found`` is the id it found, only when
        allowed. The rule is the one of a count followed by a give-back for a good attempt:
        every attempt needs a free slot of the window, and only a failed one keeps it; refused
        while the address is locked out.

        A good attempt is read in the request's own transaction, without a write, a lock or a
        transaction of its own, so that the many clients behind one address do not queue on its
        counter. A failed one is looked up again and counted in one statement on the counter's
        row, which concurrent attempts update one after the other (a concurrent update retries
        the statement, see ``_execute_apart``): each attempt is decided on the count left by all
        the attempts before it, and the same way whether it was good or not. Once the failed
        attempts of the window are used up, a good key and a random one get the same refusal and
        the lookup's result is dropped; a parallel burst of random keys gets at most the allowed
        answers.

        ``limit`` replaces the scope's number of attempts allowed in its window (a practice's
        setting)."""
        now = fields.Datetime.now()
        if unless is not None:
            # A good attempt is decided on a read; only a failed one goes on to be counted.
            decided = self._read_found(scope, key, unless, now)
            if decided:
                return decided
        query = SQL(
            """
            WITH probe AS (%(probe)s), counted AS (%(count)s)
            SELECT counted.id, counted.count, counted.blocked_until, (SELECT id FROM probe) FROM counted
            """,
            probe=SQL("SELECT NULL::int4 AS id WHERE FALSE") if unless is None else unless,
            count=self._count_query(
                scope, key, now, SQL("CASE WHEN EXISTS (SELECT 1 FROM probe) THEN 0 ELSE %s END", amount)
            ),
        )
        row_id, count, blocked_until, found = self._execute_apart(query)
        # A good attempt's slot is given back in the same statement: decided as if it were taken.
        allowed = self._settle(scope, now, row_id, count + (1 if found else 0), blocked_until, limit=limit)
        return allowed, found if allowed else None

    @api.model
    def _read_found(self, scope, key, probe, now):
        """``(allowed, found)`` when ``probe`` finds what the attempt asked for, decided on the
        counter as the request's transaction reads it; None when it finds nothing."""
        limit, window, _lockout = LIMITS[scope]
        rows = self.env.execute_query(
            SQL(
                """
                WITH probe AS (%(probe)s)
                SELECT probe.id, counter.window_start, counter.count, counter.blocked_until
                  FROM probe
             LEFT JOIN serene_portal_throttle counter ON counter.scope = %(scope)s AND counter.key = %(key)s
                """,
                probe=probe,
                scope=scope,
                key=key,
            )
        )
        if not rows:
            return None
        found, window_start, count, blocked_until = rows[0]
        if blocked_until and blocked_until >= now:
            return False, None
        used = count if window_start and window_start >= now - window else 0
        if used + 1 > limit:
            return False, None
        return True, found

    @api.model
    def _count_query(self, scope, key, now, amount):
        """The atomic upsert adding ``amount`` (an SQL expression, negative to give attempts
        back) to the count of (scope, key), restarting a window that is over: returns (id,
        count, blocked_until)."""
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
                 SELECT %(scope)s, %(key)s, %(now)s, GREATEST(%(amount)s, 0)
            ON CONFLICT (scope, key) DO UPDATE SET
                 window_start = CASE WHEN %(over)s THEN %(now)s ELSE serene_portal_throttle.window_start END,
                 count = GREATEST(CASE WHEN %(over)s THEN 0 ELSE serene_portal_throttle.count END + %(amount)s, 0)
              RETURNING id, count, blocked_until
            """,
            scope=scope,
            key=key,
            now=now,
            amount=amount,
            over=over,
        )

    @api.model
    def _settle(self, scope, now, row_id, count, blocked_until, limit=None):
        """Whether an attempt that brought the count to ``count`` is allowed; the address is
        locked out once over the limit (``limit``, else the scope's)."""
        default_limit, _window, lockout = LIMITS[scope]
        limit = default_limit if limit is None else limit
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
