import ipaddress
import time
from datetime import timedelta

from psycopg2.errors import SerializationFailure

from odoo import api, fields, models
from odoo.tools import SQL

# What is limited, per address (an IPv4 address or an IPv6 /64) or per email:
# scope -> (attempts allowed in the window, window, lockout once over)
LIMITS = {
    "key": (10, timedelta(minutes=10), timedelta(minutes=15)),  # failed or in-flight key lookups
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
        limit, window, lockout = LIMITS[scope]
        now = fields.Datetime.now()
        query = SQL(
            """
            INSERT INTO serene_portal_throttle (scope, key, window_start, count)
                 VALUES (%(scope)s, %(key)s, %(now)s, %(amount)s)
            ON CONFLICT (scope, key) DO UPDATE SET
                 window_start = CASE WHEN serene_portal_throttle.window_start < %(since)s
                                      AND (serene_portal_throttle.blocked_until IS NULL
                                           OR serene_portal_throttle.blocked_until < %(now)s)
                                     THEN %(now)s ELSE serene_portal_throttle.window_start END,
                 count = CASE WHEN serene_portal_throttle.window_start < %(since)s
                               AND (serene_portal_throttle.blocked_until IS NULL
                                    OR serene_portal_throttle.blocked_until < %(now)s)
                              THEN %(amount)s ELSE serene_portal_throttle.count + %(amount)s END
              RETURNING id, count, blocked_until
            """,
            scope=scope,
            key=key,
            now=now,
            since=now - window,
            amount=amount,
        )
        row_id, count, blocked_until = self._execute_apart(query)
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
