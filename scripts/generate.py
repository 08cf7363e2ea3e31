#!/usr/bin/env python3
"""Fill a database with a realistic therapy practice at scale.

    make generate DB=serene_scale CLIENTS=10000 COMPANIES=1
    python3 scripts/generate.py --db serene_scale --clients 10000 --companies 1 --seed 1

The database is used as it is when it exists (the addon is installed when missing); otherwise
it is copied from the base database (``serene_t_base``: Odoo's modules with demo data, made by
scripts/test.sh) or, without one, built with demo data. The clients are spread over
``--companies`` new practices (companies); the administrator is given access to them.

Per practice: practitioners (1 per 100 clients, a tenth of them practice managers; login
``gen<run>.c<practice>.p<n>`` or ``.m<n>``, password ``serene``), clients with a note owner, a
care team, email, phone and date of birth, a portal each with ~10 items of every type and
state (library forms, completed ones with their answers; document requests, completed ones
with the uploaded PDFs and images; shared files, links, instructions; a few removed), the
reminders the hourly action would have sent, access links (the cap of 3 live links, sliding
expiry, dead ones removed after 90 days as the daily action does), a year of portal activity
(~50 rows per client, every event type, in the order the portal writes them), appointments
(past and upcoming, the client as attendee, the note owner as organiser) and the note
owner's open to-dos for the last two weeks' completed forms and uploads.

Records with business logic go through the ORM in batches (partners, users, items and so
their portals, answers, files, links, appointments, to-dos); the bulk rows (portal activity,
answer lines) are copied in with SQL, and the stored fields that follow them are recomputed.
Nothing is sent: no mail.mail and no sms.sms is queued (checked at the end). Times are
moved into the past with SQL, as demo/serene_portal_demo.py does: the activity log is
append-only for the ORM.
"""

import argparse
import hashlib
import importlib.util
import io
import random
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MODULE = "serene_client_portal"
DEPENDENCIES = "portal,website,mail,sms,survey,calendar,resource"
BASE_DB = "serene_t_base"
PASSWORD = "serene"  # noqa: S105 - the generated staff's shared password, for local databases
DAY = timedelta(days=1)


def words(text):
    return tuple(text.split())


# No message leaves, nothing is tracked or logged in the chatter, nobody is subscribed or invited.
CONTEXT = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_notrack": True,
    "mail_auto_subscribe_no_notify": True,
    "mail_activity_quick_update": True,
    "no_reset_password": True,
    "no_mail_to_attendees": True,
    "dont_notify": True,
    "image_no_postprocess": True,
}

FIRST_NAMES = words(
    "Avery Jordan Taylor Casey Riley Morgan Quinn Drew Alex Sam Jamie Robin Charlie Emerson Harper Rowan "
    "Sage Skyler Reese Finley Dakota Hayden Parker Logan Elliot Kendall Marley Peyton Blake Cameron Noa "
    "Lena Omar Priya Mateo Sofia Lucas Amara Yusuf Elena Kai Mila Theo Zara Ines Hugo Nadia Leon Aisha "
    "Felix Hana Ivan Clara Ravi Maeve Tomas Lucia Arjun Freya Dario Selin Jonas"
)
LAST_NAMES = words(
    "Brooks Rivera Nguyen Morgan Santos Ellis Davis Kowalski Patel Chen Okafor Whitfield Garcia Martin "
    "Dubois Peeters Janssens Maes Jacobs Mertens Willems Claes Goossens Wouters Moreau Laurent Simon "
    "Lambert Fontaine Rousseau Schmidt Fischer Weber Wagner Becker Hoffmann Novak Horvat Silva Costa "
    "Ferreira Rossi Russo Romano Ricci Murphy Kelly Byrne Walsh Ryan Larsen Nielsen Jensen Berg Lindqvist "
    "Haddad Khan Ahmed Ali Yilmaz Demir Sato Tanaka Kim Park"
)
CITIES = ("Brussels", "Antwerp", "Ghent", "Leuven", "Mechelen", "Namur", "Liège", "Bruges", "Wavre", "Hasselt")
PRACTICE_NAMES = (
    "Harbour Counselling",
    "Willow Therapy Centre",
    "Northside Psychology",
    "Lantern Wellbeing",
    "Cedar Family Therapy",
    "Riverside Counselling",
    "Meadow Mind Clinic",
    "Beacon Psychotherapy",
)

DOCUMENT_REQUESTS = (
    ("Insurance card (both sides)", ("pdf", "image"), "<p>A photo or scan of both sides is fine.</p>"),
    ("Referral letter", ("pdf",), "<p>The letter from your GP or specialist.</p>"),
    ("Photo ID", ("pdf", "image"), "<p>Passport, ID card or driving licence.</p>"),
    ("Previous treatment summary", ("pdf", "docx"), "<p>If you saw a therapist before, their summary helps.</p>"),
    ("Signed release of information", ("pdf",), "<p>Print, sign and scan the form we gave you.</p>"),
)
RESOURCES = (
    ("Coping skills worksheet.pdf", "pdf"),
    ("Thought record template.pdf", "pdf"),
    ("Sleep diary.pdf", "pdf"),
    ("Values worksheet.pdf", "pdf"),
    ("Grounding techniques.png", "png"),
    ("Breathing exercise card.png", "png"),
)
LINKS = (
    ("Box breathing, explained", "https://en.wikipedia.org/wiki/Box_breathing"),
    ("Sleep hygiene tips", "https://en.wikipedia.org/wiki/Sleep_hygiene"),
    ("Progressive muscle relaxation", "https://en.wikipedia.org/wiki/Progressive_muscle_relaxation"),
    ("What is mindfulness?", "https://en.wikipedia.org/wiki/Mindfulness"),
    ("Cognitive behavioural therapy", "https://en.wikipedia.org/wiki/Cognitive_behavioral_therapy"),
    ("Crisis lines", "https://en.wikipedia.org/wiki/List_of_suicide_crisis_lines"),
)
INSTRUCTIONS = (
    (
        "Before your first session",
        "<p>Please arrive <strong>10 minutes early</strong>. The practice is on the 2nd floor.</p>",
    ),
    (
        "Homework: thought record",
        "<p>Write down one situation each day, the thought it brought and how strongly you believed it.</p>",
    ),
    ("Between sessions", "<p>Try the breathing exercise twice a day, <em>before</em> you feel stressed.</p>"),
    ("Video sessions", "<p>Find a quiet room, and test your camera and microphone a few minutes before.</p>"),
)
TEXT_ANSWERS = (
    "I have been feeling anxious at work and it is affecting my sleep.",
    "My GP suggested I talk to someone after a difficult year.",
    "Low mood since the spring, and I keep cancelling plans with friends.",
    "I would like to learn ways to manage stress before it builds up.",
    "Relationship difficulties; we argue about the same things again and again.",
    "Grief after losing my father last autumn.",
    "Panic attacks on public transport.",
    "I want to understand why I procrastinate on everything that matters.",
)
UPLOAD_NOTES = ("From Dr. Smith", "Both sides attached", "Sorry for the delay", None, None, None)
REJECTED_UPLOAD = "“{name}” is not a file this request accepts."
CLIENT_AGENTS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 13; SM-A536B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0 Mobile "
    "Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 "
    "Safari/605.1.15",
)
STAFF_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
)

# The practice's settings the simulation follows (the addon's defaults).
LINK_EXPIRY_DAYS = 30
LIVE_LINKS = 3
DEAD_LINK_DAYS = 90
REMIND_AFTER = timedelta(days=3)
REMINDERS_PER_ITEM = 3
TODO_TYPES = ("intake_form", "assessment", "document_request")


def log(started, message):
    print(f"[generate {time.monotonic() - started:7.1f}s] {message}", flush=True)


# ----------------------------------------------------------------------
# Files: small but real PDFs and PNGs (they pass the portal's upload checks)
# ----------------------------------------------------------------------


def make_pdf(title, lines):
    def text(value):
        return value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    ops = ["BT", "/F1 16 Tf", "72 740 Td", f"({text(title)}) Tj", "/F1 11 Tf"]
    for line in lines:
        ops += ["0 -22 Td", f"({text(line)}) Tj"]
    ops.append("ET")
    stream = "\n".join(ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def make_png(color, label):
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (360, 228), color)
    draw = ImageDraw.Draw(image)
    draw.rectangle((16, 16, 344, 212), outline=(255, 255, 255), width=3)
    draw.rectangle((32, 48, 120, 150), fill=(235, 235, 235))
    draw.text((140, 56), label, fill=(255, 255, 255))
    for row in range(4):
        draw.line((140, 96 + row * 18, 320 - row * 30, 96 + row * 18), fill=(255, 255, 255), width=4)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def make_files():
    """{key: (bytes, mimetype)}: uploads and shared files; few distinct contents (the filestore
    keeps one copy of each)."""
    files = {}
    for name, _kind in RESOURCES:
        stem = name.rsplit(".", 1)[0]
        if name.endswith(".pdf"):
            files[name] = (make_pdf(stem, ["Serene client portal - shared material", "Page 1 of 1"]), "application/pdf")
        else:
            files[name] = (make_png((70, 110, 150), stem), "image/png")
    files["upload.pdf"] = (make_pdf("Scanned document", ["Uploaded by the client", "Page 1 of 1"]), "application/pdf")
    files["upload-letter.pdf"] = (
        make_pdf("Referral", ["Dear colleague,", "I refer my patient for counselling.", "Dr. Smith"]),
        "application/pdf",
    )
    files["upload-front.png"] = (make_png((40, 90, 160), "FRONT"), "image/png")
    files["upload-back.png"] = (make_png((40, 90, 160), "BACK"), "image/png")
    return files


# ----------------------------------------------------------------------
# The plan: each client's year, worked out in Python before anything is written
# ----------------------------------------------------------------------


@dataclass
class Practice:
    index: int
    name: str
    company_id: int = 0
    verify_birthdate: bool = False
    verify_code: bool = False
    office_ip: str = ""
    managers: list = field(default_factory=list)  # user ids
    practitioners: list = field(default_factory=list)  # user ids, managers included
    user_partner: dict = field(default_factory=dict)  # user id -> partner id
    user_name: dict = field(default_factory=dict)
    client_count: int = 0


@dataclass(eq=False)
class ItemPlan:
    item_type: str
    name: str
    assigned_at: datetime
    survey: dict = None
    url: str = None
    description: str = None
    kinds: tuple = ()
    file: str = None  # shared file (resource)
    due_date: object = None
    state: str = "assigned"
    started_at: datetime = None
    completed_at: datetime = None
    removed_at: datetime = None
    answer_state: str = None  # survey.user_input state for started forms
    uploads: tuple = ()  # (stored name, file key)
    upload_note: str = None
    downloads: tuple = ()
    reminders: list = field(default_factory=list)
    id: int = 0


@dataclass(eq=False)
class LinkPlan:
    sent_at: datetime
    fingerprint: str
    key_hash: str
    last_used_at: datetime = None
    revoked_at: datetime = None

    def expires_at(self):
        return max(self.sent_at, self.last_used_at or self.sent_at) + timedelta(days=LINK_EXPIRY_DAYS)

    def live(self, moment):
        return not self.revoked_at and self.expires_at() > moment


@dataclass(eq=False)
class ClientPlan:
    practice: Practice
    name: str
    email: str
    phone: str
    birthdate: object
    city: str
    owner: int
    team: list
    start: datetime
    end: datetime
    discharged: bool
    ip: str
    agent: str
    items: list = field(default_factory=list)
    batches: list = field(default_factory=list)  # (moment, items, notified)
    links: list = field(default_factory=list)
    events: list = field(default_factory=list)  # activity rows, see Planner._event
    appointments: list = field(default_factory=list)  # (start, client attendee state)
    todos: list = field(default_factory=list)  # (date, summary, note)
    partner_id: int = 0
    portal_id: int = 0


class Planner:
    """Works out a client's year the way the portal would have written it."""

    def __init__(self, rng, now, surveys, kinds, public_uid, root_uid):
        self.rng = rng
        self.now = now
        self.intake_surveys = [s for s in surveys if s["kind"] == "intake_form"]
        self.assessments = [s for s in surveys if s["kind"] == "assessment"] or self.intake_surveys
        self.kinds = kinds  # code -> id
        self.public_uid = public_uid
        self.root_uid = root_uid

    # -- small helpers -------------------------------------------------

    def between(self, start, end):
        return (start + (end - start) * self.rng.random()).replace(microsecond=0)

    def daytime(self, moment, first=7, last=19):
        """The same day, at a working hour (UTC)."""
        hour = self.rng.randint(first, last - 1)
        return moment.replace(hour=hour, minute=self.rng.randint(0, 59), second=self.rng.randint(0, 59), microsecond=0)

    def _event(self, client, at, event_type, actor, user_id=None, item=None, result="ok", detail=None, link=None):
        if actor == "client":
            ip, agent = client.ip, client.agent
        else:
            ip, agent = (client.practice.office_ip, STAFF_AGENT) if actor == "staff" else (None, None)
        client.events.append(
            (
                at.replace(microsecond=0),
                event_type,
                item,
                actor,
                user_id,
                result,
                detail,
                ip,
                agent,
                link.fingerprint if link else None,
            )
        )

    # -- the client ------------------------------------------------------

    def client(self, practice, number):
        rng, now = self.rng, self.now
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        start = self.daytime(now - timedelta(days=rng.uniform(2, 364)), 8, 18)
        if start > now - timedelta(hours=1):
            start = now - timedelta(hours=rng.randint(2, 30))
        discharged = start < now - timedelta(days=150) and rng.random() < 0.04
        end = self.between(start + timedelta(days=60), now - DAY) if discharged else now
        owner = rng.choice(practice.practitioners)
        others = [user for user in practice.practitioners if user != owner]
        team = rng.sample(others, k=min(len(others), rng.choice((0, 0, 0, 1, 1, 2))))
        client = ClientPlan(
            practice=practice,
            name=f"{first} {last}",
            email=f"{first}.{last}.{practice.index}x{number}@client.example.com".lower(),
            phone=f"+32 47{rng.randint(0, 9)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
            birthdate=(now - timedelta(days=rng.randint(18 * 365, 75 * 365))).date(),
            city=rng.choice(CITIES),
            owner=owner,
            team=team,
            start=start,
            end=end,
            discharged=discharged,
            ip=self.client_ip(),
            agent=rng.choice(CLIENT_AGENTS),
        )
        self.plan_items(client)
        self.plan_timeline(client)
        self.plan_appointments(client)
        return client

    def client_ip(self):
        rng = self.rng
        if rng.random() < 0.25:
            return f"2001:db8:{rng.randint(0, 0xFFFF):x}:{rng.randint(0, 0xFFFF):x}::{rng.randint(1, 0xFFFF):x}"
        return f"{rng.choice(('203.0.113', '198.51.100'))}.{rng.randint(1, 254)}"

    # -- items -----------------------------------------------------------

    def plan_items(self, client):
        """~10 items in a few additions (one action and one notification each): intake forms,
        a first assessment and a request at the start, then assessments, files, links,
        requests and instructions over the months."""
        rng = self.rng
        start, end = client.start, client.end
        batches = [(start, self.first_items(start))]
        target = rng.randint(7, 13)
        left = max(0, target - len(batches[0][1]))
        later = sorted(self.daytime(self.between(start + DAY, end), 8, 18) for _ in range(rng.randint(1, 4)))
        later = [moment for moment in later if moment < end]
        for index, moment in enumerate(later):
            count = left // (len(later) - index) if index < len(later) - 1 else left
            left -= count
            batches.append((moment, [self.later_item(moment) for _ in range(count)]))
        for moment, items in batches:
            if not items:
                continue
            notify = moment == start or rng.random() < 0.85
            client.batches.append((moment, items, notify))
            client.items.extend(items)
        for item in client.items:
            self.plan_progress(client, item)

    def first_items(self, moment):
        rng = self.rng
        items = [self.form_item(survey, moment) for survey in self.intake_surveys]
        if self.assessments and rng.random() < 0.8:
            items.append(self.form_item(rng.choice(self.assessments), moment))
        if rng.random() < 0.8:
            items.append(self.request_item(moment))
        if rng.random() < 0.6:
            title, body = INSTRUCTIONS[0]
            items.append(ItemPlan("instructions", title, moment, description=body))
        return items

    def later_item(self, moment):
        kind = self.rng.choices(
            ("assessment", "resource", "link", "document_request", "instructions"), weights=(30, 25, 22, 13, 10)
        )[0]
        if kind == "assessment":
            return self.form_item(self.rng.choice(self.assessments), moment)
        if kind == "resource":
            name, _ext = self.rng.choice(RESOURCES)
            return ItemPlan("resource", name, moment, file=name)
        if kind == "link":
            name, url = self.rng.choice(LINKS)
            return ItemPlan("link", name, moment, url=url)
        if kind == "document_request":
            return self.request_item(moment)
        title, body = self.rng.choice(INSTRUCTIONS[1:])
        return ItemPlan("instructions", title, moment, description=body)

    def form_item(self, survey, moment):
        due = (moment + timedelta(days=7)).date() if self.rng.random() < 0.5 else None
        return ItemPlan(survey["kind"], survey["title"], moment, survey=survey, due_date=due)

    def request_item(self, moment):
        name, kinds, body = self.rng.choice(DOCUMENT_REQUESTS)
        kinds = tuple(self.kinds[code] for code in kinds if code in self.kinds) or tuple(self.kinds.values())
        due = (moment + timedelta(days=10)).date() if self.rng.random() < 0.4 else None
        return ItemPlan("document_request", name, moment, description=body, kinds=kinds, due_date=due)

    def plan_progress(self, client, item):
        """What the client did with the item, and when; a few items are removed by staff."""
        rng = self.rng
        stop = client.end
        if rng.random() < 0.04:
            item.removed_at = self.between(item.assigned_at + timedelta(hours=1), stop)
            if item.removed_at >= stop:
                item.removed_at = None
            else:
                stop = item.removed_at
        delay = timedelta(seconds=int(3600 * (rng.expovariate(1 / 40) + 0.2)))
        acted = item.assigned_at + delay
        if item.item_type in ("intake_form", "assessment"):
            roll = rng.random()
            if roll < 0.74 and acted < stop:
                item.state, item.completed_at = "completed", acted
                item.started_at = acted - timedelta(seconds=rng.randint(180, 1500))
                item.answer_state = "done"
            elif roll < 0.88 and acted < stop:
                item.state, item.started_at = "in_progress", acted
                item.answer_state = rng.choice(("new", "in_progress"))
        elif item.item_type == "document_request":
            if rng.random() < 0.62 and acted < stop:
                item.state, item.completed_at = "completed", acted
                if "image" in self.kind_codes(item) and rng.random() < 0.5:
                    stem = item.name.split(" (")[0].lower().replace(" ", "-")
                    item.uploads = ((f"{stem}-front.png", "upload-front.png"), (f"{stem}-back.png", "upload-back.png"))
                else:
                    key = "upload-letter.pdf" if "letter" in item.name.lower() else "upload.pdf"
                    item.uploads = ((item.name.lower().replace(" ", "-") + ".pdf", key),)
                item.upload_note = rng.choice(UPLOAD_NOTES)
        elif item.item_type == "resource":
            item.downloads = tuple(
                sorted(self.between(item.assigned_at, stop) for _ in range(rng.choice((0, 1, 1, 1, 2, 3))))
            )
        if item.item_type in TODO_TYPES:
            # The hourly action: N days after assignment, then every N days, at most K times.
            done = item.completed_at or stop
            moment = item.assigned_at + REMIND_AFTER
            while moment < done and moment < stop and len(item.reminders) < REMINDERS_PER_ITEM:
                moment = moment.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
                if moment >= done or moment >= stop:
                    break
                item.reminders.append(moment)
                moment += REMIND_AFTER

    def kind_codes(self, item):
        by_id = {kind_id: code for code, kind_id in self.kinds.items()}
        return {by_id.get(kind_id) for kind_id in item.kinds}

    # -- the timeline: links, visits and what the client does -------------

    def plan_timeline(self, client):
        rng = self.rng
        owner = client.owner
        verify = client.practice.verify_birthdate or client.practice.verify_code
        steps = []  # (moment, order, kind, payload)
        for moment, _items, notify in client.batches:
            if notify:
                steps.append((moment + timedelta(seconds=2), 0, "mint", ("staff", owner)))
        for item in client.items:
            if item.removed_at:
                steps.append((item.removed_at, 1, "removed", item))
            if item.started_at:
                steps.append((item.started_at, 2, "form_started", item))
            if item.completed_at and item.item_type != "document_request":
                steps.append((item.completed_at, 3, "form_completed", item))
            if item.uploads:
                steps.append((item.completed_at, 3, "uploaded", item))
            for moment in item.downloads:
                steps.append((moment, 3, "downloaded", item))
        reminders = {}
        for item in client.items:
            for moment in item.reminders:
                reminders.setdefault(moment, []).append(item)
        for moment in reminders:
            steps.append((moment, 0, "reminder", None))
        for _ in range(rng.choice((0, 1, 1, 2, 3))):
            steps.append((self.daytime(self.between(client.start, client.end), 8, 18), 4, "preview", None))
        if rng.random() < 0.05 and client.end - client.start > 2 * DAY:
            steps.append((self.between(client.start + DAY, client.end), 4, "contact", None))
        structural = (
            1
            + len(client.items)
            + sum(
                {"mint": 1, "removed": 1, "reminder": 2, "preview": 1, "contact": 3}.get(kind, 3 + verify)
                for _moment, _order, kind, _payload in steps
            )
        )
        target = rng.randint(38, 62)
        visits = max(0, (target - structural) // (2 if verify else 1))
        for _ in range(visits):
            steps.append((self.daytime(self.between(client.start, client.end), 6, 23), 5, "visit", None))
        steps = [step for step in steps if step[0] < client.end or step[2] == "mint"]
        steps.sort(key=lambda step: (step[0], step[1]))

        last_visit = None
        for moment, _order, kind, payload in steps:
            if kind == "mint":
                actor, uid = payload
                self.mint(client, moment, actor, uid)
            elif kind == "reminder":
                pending = sum(
                    1
                    for item in client.items
                    if item.item_type in TODO_TYPES
                    and item.assigned_at <= moment
                    and not (item.completed_at and item.completed_at <= moment)
                    and not (item.removed_at and item.removed_at <= moment)
                )
                self._event(client, moment, "reminder_sent", "system", detail=str(pending))
                self.mint(client, moment, "staff", self.root_uid)
            elif kind == "removed":
                self._event(client, moment, "item_removed", "staff", owner, item=payload)
            elif kind == "preview":
                self._event(client, moment, "staff_preview", "staff", rng.choice([owner, *client.practice.managers]))
            elif kind == "contact":
                self._event(client, moment, "contact_changed", "staff", owner, detail=rng.choice(("Email", "Phone")))
                for link in client.links:
                    if link.live(moment):
                        link.revoked_at = moment
                        self._event(client, moment, "link_revoked", "staff", owner, link=link)
                self.mint(client, moment + timedelta(minutes=1), "staff", owner)
            else:
                if last_visit is None or moment - last_visit > timedelta(minutes=30):
                    visit_at = moment - timedelta(seconds=rng.randint(60, 240)) if kind != "visit" else moment
                    link = self.visit(client, visit_at, verify)
                else:
                    link = self.current_link(client, moment)
                last_visit = moment
                if kind == "form_started":
                    self._event(client, moment, "form_started", "client", item=payload, link=link)
                elif kind == "form_completed":
                    self._event(client, moment, "form_completed", "client", item=payload)
                    self.todo(client, payload, f"Review {payload.name}", "completed this form in their portal.")
                elif kind == "uploaded":
                    if rng.random() < 0.08:
                        rejected = "scan.heic" if rng.random() < 0.5 else "document.zip"
                        self._event(
                            client,
                            moment - timedelta(minutes=1),
                            "upload_rejected",
                            "client",
                            item=payload,
                            result="refused",
                            detail=REJECTED_UPLOAD.format(name=rejected),
                            link=link,
                        )
                    names = ", ".join(name for name, _key in payload.uploads)
                    self._event(client, moment, "document_uploaded", "client", item=payload, link=link, detail=names)
                    self.todo(
                        client,
                        payload,
                        f"Review upload: {payload.name}",
                        f"uploaded {len(payload.uploads)} file(s) in their portal.",
                    )
                elif kind == "downloaded":
                    self._event(client, moment, "resource_downloaded", "client", item=payload, link=link)
        if client.discharged:
            for link in client.links:
                if link.live(client.end):
                    link.revoked_at = client.end
                    self._event(client, client.end, "link_revoked", "staff", owner, link=link)
        # The daily action removes links dead for 90 days; their rows in the log stay.
        horizon = self.now - timedelta(days=DEAD_LINK_DAYS)
        client.links = [
            link
            for link in client.links
            if not ((link.revoked_at and link.revoked_at < horizon) or link.expires_at() < horizon)
        ]

    def mint(self, client, moment, actor, uid):
        key = secrets.token_urlsafe(32)
        digest = hashlib.sha256(key.encode()).hexdigest()
        link = LinkPlan(sent_at=moment, fingerprint=digest[:10], key_hash=digest)
        client.links.append(link)
        self._event(client, moment, "link_sent", actor, uid if actor == "staff" else None, link=link)
        live = [other for other in client.links if other.live(moment)]
        for old in live[:-LIVE_LINKS]:
            old.revoked_at = moment
            self._event(client, moment, "link_revoked", actor, uid if actor == "staff" else None, link=old)
        return link

    def current_link(self, client, moment):
        for link in reversed(client.links):
            if link.sent_at <= moment and link.live(moment):
                return link
        return None

    def visit(self, client, moment, verify):
        """The client opens the portal with their latest live link; none left: they ask for a
        new one by email first."""
        link = self.current_link(client, moment)
        if link is None:
            self._event(client, moment - timedelta(minutes=3), "link_requested", "client")
            link = self.mint(client, moment - timedelta(minutes=2), "client", None)
        if verify:
            if client.practice.verify_code:
                self._event(client, moment - timedelta(seconds=90), "code_sent", "client", link=link)
            if self.rng.random() < 0.04:
                self._event(
                    client, moment - timedelta(seconds=50), "verification_failed", "client", result="refused", link=link
                )
            self._event(client, moment - timedelta(seconds=20), "verification_passed", "client", link=link)
        self._event(client, moment, "portal_viewed", "client", link=link)
        link.last_used_at = max(link.last_used_at or moment, moment)
        return link

    def todo(self, client, item, summary, note):
        """The note owner's to-do; those of the last two weeks are still open."""
        if item.completed_at and item.completed_at > self.now - timedelta(days=14):
            client.todos.append((item.completed_at.date(), summary, f"{client.name} {note}"))

    # -- appointments ------------------------------------------------------

    def plan_appointments(self, client):
        rng, now = self.rng, self.now
        moment = client.start + timedelta(days=rng.randint(1, 10))
        past = []
        while moment < client.end:
            past.append(moment)
            moment += timedelta(days=rng.choice((7, 14, 14, 21, 28, 42)))
        for moment in past[-6:]:
            client.appointments.append((self.session_time(moment), "accepted"))
        if not client.discharged and rng.random() < 0.75:
            upcoming = self.session_time(now + timedelta(days=rng.uniform(0.3, 21)))
            if upcoming > now:
                state = rng.choices(("accepted", "needsAction", "declined"), weights=(55, 40, 5))[0]
                client.appointments.append((upcoming, state))

    def session_time(self, moment):
        while moment.weekday() >= 5:
            moment += DAY
        return moment.replace(hour=self.rng.randint(7, 17), minute=self.rng.choice((0, 30)), second=0, microsecond=0)


# ----------------------------------------------------------------------
# The database: copied from the base, the addon installed
# ----------------------------------------------------------------------


def odoo_command(addons_path, *args):
    return [sys.executable, "-m", "odoo", f"--addons-path={addons_path}", *args]


def prepare_database(args, addons_path, started):
    import odoo.sql_db

    with odoo.sql_db.db_connect("postgres").cursor() as cr:
        cr.execute("SELECT datname FROM pg_database WHERE datname IN %s", ((args.db, args.base_db),))
        existing = {name for (name,) in cr.fetchall()}
    if args.db not in existing:
        if args.base_db in existing:
            log(started, f"copying {args.base_db} to {args.db}")
            run([sys.executable, "-m", "odoo", "db", "duplicate", args.base_db, args.db])
        else:
            log(started, f"no {args.base_db}: building {args.db} with demo data (a few minutes)")
            run(
                odoo_command(
                    addons_path,
                    "-d",
                    args.db,
                    "--with-demo",
                    "-i",
                    f"{DEPENDENCIES},{MODULE}",
                    "--stop-after-init",
                    "--log-level=warn",
                    "--http-interface=127.0.0.1",
                )
            )
    db = odoo.sql_db.db_connect(args.db)
    with db.cursor() as cr:
        cr.execute("SELECT state FROM ir_module_module WHERE name = %s", (MODULE,))
        row = cr.fetchone()
    odoo.sql_db.close_db(args.db)
    # Installed: updated, so that the database has every field of the addon's code as it is now.
    installed = bool(row and row[0] == "installed")
    log(started, f"{'updating' if installed else 'installing'} {MODULE} on {args.db}")
    run(
        odoo_command(
            addons_path,
            "-d",
            args.db,
            "-u" if installed else "-i",
            MODULE,
            "--stop-after-init",
            "--log-level=warn",
            "--http-interface=127.0.0.1",
        )
    )


def run(command):
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode:
        sys.exit(f"{' '.join(command)} exited {result.returncode}:\n{result.stderr[-3000:]}")


# ----------------------------------------------------------------------
# Writing it: ORM in batches, COPY for the bulk rows
# ----------------------------------------------------------------------


def copy_rows(cr, table, columns, rows):
    """COPY ``rows`` (tuples, None for NULL) into ``table``."""

    def text(value):
        if value is None:
            return "\\N"
        if value is True:
            return "t"
        if value is False:
            return "f"
        if isinstance(value, datetime):
            return value.isoformat(sep=" ")
        return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")

    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(text(value) for value in row))
        buffer.write("\n")
    buffer.seek(0)
    cr._obj.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)


LINE_COLUMNS = (
    "user_input_id",
    "survey_id",
    "question_id",
    "question_sequence",
    "skipped",
    "answer_type",
    "value_char_box",
    "value_text_box",
    "value_numerical_box",
    "value_scale",
    "value_date",
    "value_datetime",
    "suggested_answer_id",
    "matrix_row_id",
    "answer_score",
    "answer_is_correct",
    "create_uid",
    "write_uid",
    "create_date",
    "write_date",
)


class Generator:
    def __init__(self, env, args, started):
        self.env = env
        self.args = args
        self.started = started
        self.rng = random.Random(args.seed)
        self.now = datetime.utcnow().replace(microsecond=0)  # Odoo stores naive UTC
        self.files = make_files()
        self.counts_before = {}
        self.companies = []
        self.timings = {}  # seconds per step, over all batches

    def log(self, message):
        log(self.started, message)

    def commit(self):
        self.env.flush_all()
        self.env.cr.commit()
        self.env.invalidate_all()

    # -- the library and references --------------------------------------

    def library(self):
        Survey = self.env["survey.survey"]
        surveys = Survey.search([("serene_form_kind", "!=", False), ("active", "=", True)], order="id")
        if not surveys:
            surveys = self.create_library()
        library = []
        for survey in surveys:
            questions = survey._prepare_user_input_predefined_questions()
            library.append(
                {
                    "id": survey.id,
                    "title": survey.title,
                    "kind": survey.serene_form_kind,
                    "random": survey.questions_selection != "all",
                    "question_ids": questions.ids,
                    "questions": [
                        {
                            "id": question.id,
                            "type": question.question_type,
                            "sequence": question.sequence,
                            "title": question.title,
                            "answers": [
                                (answer.id, answer.answer_score, answer.is_correct)
                                for answer in question.suggested_answer_ids
                            ],
                            # Answers the addon treats as a risk signal (where it has them): rarely chosen.
                            "risky": {
                                answer.id for answer in question.suggested_answer_ids if answer["serene_risk_signal"]
                            }
                            if "serene_risk_signal" in question.suggested_answer_ids._fields
                            else set(),
                            "rows": question.matrix_row_ids.ids if question.question_type == "matrix" else [],
                            "scale": (question.scale_min, question.scale_max)
                            if question.question_type == "scale"
                            else None,
                        }
                        for question in questions
                    ],
                }
            )
        return library

    def create_library(self):
        """A database without the addon's demo data: the demo's intake and consent forms, and its
        PHQ-9 from the addon's one builder."""
        self.log("no library forms: creating an intake form, a consent form and the PHQ-9")
        forms = self.env["survey.survey"].create(
            [
                {
                    "title": "New Client Intake",
                    "serene_form_kind": "intake_form",
                    "access_mode": "token",
                    "users_login_required": False,
                    "questions_layout": "one_page",
                    "scoring_type": "no_scoring",
                    "question_and_page_ids": [
                        (0, 0, {"title": "What brings you to counselling at this time?", "question_type": "text_box"}),
                        (0, 0, {"title": "Emergency contact (name and phone)", "question_type": "char_box"}),
                        (
                            0,
                            0,
                            {
                                "title": "Have you seen a therapist or counsellor before?",
                                "question_type": "simple_choice",
                                "suggested_answer_ids": [(0, 0, {"value": "Yes"}), (0, 0, {"value": "No"})],
                            },
                        ),
                    ],
                },
                {
                    "title": "Consent and Privacy Agreement",
                    "serene_form_kind": "intake_form",
                    "access_mode": "token",
                    "users_login_required": False,
                    "questions_layout": "one_page",
                    "scoring_type": "no_scoring",
                    "question_and_page_ids": [
                        (
                            0,
                            0,
                            {
                                "title": "I have read the practice's privacy notice and consent to treatment.",
                                "question_type": "simple_choice",
                                "suggested_answer_ids": [
                                    (0, 0, {"value": "I agree"}),
                                    (0, 0, {"value": "I would like to discuss this first"}),
                                ],
                            },
                        ),
                    ],
                },
            ]
        )
        return forms | self.env["serene.portal.demo"]._create_phq9()

    # -- practices and staff ------------------------------------------------

    def run_number(self):
        self.env.cr.execute(r"SELECT login FROM res_users WHERE login ~ '^gen[0-9]+\.'")
        numbers = [int(login[3:].split(".", 1)[0]) for (login,) in self.env.cr.fetchall()]
        return max(numbers, default=0) + 1

    def create_practices(self):
        args = self.args
        run = self.run_number()
        self.run = run
        names = [
            PRACTICE_NAMES[i % len(PRACTICE_NAMES)]
            + (f" {i // len(PRACTICE_NAMES) + 1}" if i >= len(PRACTICE_NAMES) else "")
            for i in range(args.companies)
        ]
        if run > 1:
            names = [f"{name} (run {run})" for name in names]
        Company = self.env["res.company"]
        companies = Company.create(
            [
                {
                    "name": name,
                    "email": f"hello@practice{index + 1}.example.com",
                    "phone": f"+32 2 555 0{index + 1:02d} 00",
                    "serene_portal_limit": 0,
                    "serene_portal_verify_birthdate": index % 2 == 1,
                    "serene_portal_verify_code": "email" if index % 4 == 3 else "none",
                    # partner_autocomplete would ask Odoo's servers about the company's domain
                    **({"iap_enrich_auto_done": True} if "iap_enrich_auto_done" in Company._fields else {}),
                }
                for index, name in enumerate(names)
            ]
        )
        admin = self.env.ref("base.user_admin", raise_if_not_found=False)
        if admin:
            admin.write({"company_ids": [(4, company.id) for company in companies]})
        per_company = [
            args.clients // args.companies + (1 if i < args.clients % args.companies else 0)
            for i in range(args.companies)
        ]
        practices = []
        for index, (company, clients) in enumerate(zip(companies, per_company, strict=True)):
            practice = Practice(
                index=index + 1,
                name=company.name,
                company_id=company.id,
                verify_birthdate=company.serene_portal_verify_birthdate,
                verify_code=company.serene_portal_verify_code in ("email", "sms"),
                office_ip=f"192.0.2.{10 + index % 240}",
            )
            practice.client_count = clients
            self.create_staff(practice, run, clients)
            practices.append(practice)
        self.commit()
        return practices

    def create_staff(self, practice, run, clients):
        rng = self.rng
        count = max(2, round(clients / 100))
        managers = max(1, count // 10)
        user_group = self.env.ref(f"{MODULE}.group_practice_user")
        manager_group = self.env.ref(f"{MODULE}.group_practice_manager")
        vals_list = []
        for number in range(count):
            manager = number < managers
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            login = f"gen{run}.c{practice.index}.{'m' if manager else 'p'}{number + 1:03d}"
            vals_list.append(
                {
                    "name": f"{'' if manager else 'Dr. '}{first} {last}",
                    "login": login,
                    "email": f"{login}@practice{practice.index}.example.com",
                    "company_id": practice.company_id,
                    "company_ids": [(6, 0, [practice.company_id])],
                    "group_ids": [(4, (manager_group if manager else user_group).id)],
                    "tz": "Europe/Brussels",
                    "notification_type": "inbox",
                }
            )
        users = self.env["res.users"].create(vals_list)
        # One hash for everyone: hashing is deliberately slow.
        if not getattr(self, "password_hash", None):
            self.password_hash = self.env["res.users"]._crypt_context().hash(PASSWORD)
        digest = self.password_hash
        self.env.flush_all()
        self.env.cr.execute("UPDATE res_users SET password = %s WHERE id IN %s", (digest, tuple(users.ids)))
        practice.practitioners = users.ids
        practice.managers = users.ids[:managers]
        practice.user_partner = {user.id: user.partner_id.id for user in users}
        practice.user_name = {user.id: user.name for user in users}

    # -- the clients, chunk by chunk -------------------------------------------

    def generate(self):
        env = self.env
        self.counts_before = self.queue_counts()
        self.library_forms = self.library()
        kinds = {kind.code: kind.id for kind in env["serene.upload.kind"].search([])}
        self.default_kinds = env["serene.upload.kind"]._get_default_kinds().ids
        self.public_uid = env.ref("base.public_user").id
        self.root = env.ref("base.user_root").id
        self.todo_type = env.ref("mail.mail_activity_data_todo")
        self.portal_model_id = env["ir.model"]._get_id("serene.client.portal")
        self.session_type = self.session_category()
        self.companies = practices = self.create_practices()
        self.log(
            f"{len(practices)} practices, {sum(len(p.practitioners) for p in practices)} practitioners; "
            f"library: {', '.join(s['title'] for s in self.library_forms)}"
        )
        planner = Planner(self.rng, self.now, self.library_forms, kinds, self.public_uid, self.root)
        done = 0
        for practice in practices:
            for first in range(0, practice.client_count, self.args.batch):
                size = min(self.args.batch, practice.client_count - first)
                begin = time.monotonic()
                clients = [planner.client(practice, first + number + 1) for number in range(size)]
                self.timings["plan"] = self.timings.get("plan", 0) + time.monotonic() - begin
                self.write_clients(practice, clients)
                done += size
                self.log(
                    f"{practice.name}: {first + size}/{practice.client_count} clients ({done}/{self.args.clients})"
                )
        for practice in practices:
            self.write_practice_events(practice)
        self.finish()

    def write_clients(self, practice, clients):
        steps = (
            ("partners", lambda: self.create_partners(practice, clients)),
            ("items and portals", lambda: self.create_items(clients)),
            ("answers", lambda: self.create_answers(clients)),
            ("files", lambda: self.create_files(practice, clients)),
            ("links", lambda: self.create_links(clients)),
            ("activity", lambda: self.create_activity(practice, clients)),
            ("appointments", lambda: self.create_appointments(clients)),
            ("to-dos", lambda: self.create_todos(clients)),
            ("commit", self.commit),
        )
        for name, step in steps:
            begin = time.monotonic()
            step()
            self.timings[name] = self.timings.get(name, 0) + time.monotonic() - begin

    def create_partners(self, practice, clients):
        partners = self.env["res.partner"].create(
            [
                {
                    "name": client.name,
                    "is_client": True,
                    "email": client.email,
                    "phone": client.phone,
                    "city": client.city,
                    "serene_birthdate_value": client.birthdate,
                    "note_owner_id": client.owner,
                    "care_team_user_ids": [(6, 0, client.team)],
                    "company_id": practice.company_id,
                }
                for client in clients
            ]
        )
        for client, partner in zip(clients, partners, strict=True):
            client.partner_id = partner.id
        self.env.flush_all()
        self.env.cr.execute(
            """
            UPDATE res_partner p SET create_date = v.at, write_date = v.at, create_uid = v.uid, write_uid = v.uid
              FROM unnest(%s::int[], %s::timestamp[], %s::int[]) AS v(id, at, uid) WHERE p.id = v.id
            """,
            (
                [client.partner_id for client in clients],
                [client.start - timedelta(days=self.rng.randint(0, 14)) for client in clients],
                [client.owner for client in clients],
            ),
        )

    def create_items(self, clients):
        """Items through the ORM, added by each note owner: the portal is created with the first
        item, limits are checked, ``item_added`` and ``portal_created`` are logged. Their times
        are then moved to when they happened."""
        env = self.env
        by_owner = {}
        for client in clients:
            by_owner.setdefault(client.owner, []).append(client)
        for owner, owned in by_owner.items():
            plans, vals_list = [], []
            for client in owned:
                for item in client.items:
                    plans.append(item)
                    vals_list.append(self.item_vals(client, item))
            Item = env["serene.portal.item"].with_user(owner).sudo().with_context(CONTEXT)
            for item, record in zip(plans, Item.create(vals_list), strict=True):
                item.id = record.id
        env.flush_all()
        cr = env.cr
        partner_ids = [client.partner_id for client in clients]
        cr.execute("SELECT partner_id, id FROM serene_client_portal WHERE partner_id = ANY(%s)", (partner_ids,))
        portal_of = dict(cr.fetchall())
        for client in clients:
            client.portal_id = portal_of[client.partner_id]
        items = [item for client in clients for item in client.items]
        cr.execute(
            """
            UPDATE serene_portal_item i SET create_date = v.created, write_date = v.changed
              FROM unnest(%s::int[], %s::timestamp[], %s::timestamp[]) AS v(id, created, changed) WHERE i.id = v.id
            """,
            (
                [item.id for item in items],
                [item.assigned_at for item in items],
                [max(filter(None, (item.assigned_at, item.completed_at, item.removed_at))) for item in items],
            ),
        )
        office = clients[0].practice.office_ip
        cr.execute(
            """
            UPDATE serene_portal_activity a
               SET event_at = i.assigned_at, create_date = i.assigned_at, write_date = i.assigned_at,
                   ip_address = %s, user_agent = %s
              FROM serene_portal_item i
             WHERE a.item_id = i.id AND a.event_type = 'item_added' AND i.id = ANY(%s)
            """,
            (office, STAFF_AGENT, [item.id for item in items]),
        )
        cr.execute(
            """
            UPDATE serene_client_portal p SET create_date = v.at, write_date = v.at
              FROM unnest(%s::int[], %s::timestamp[]) AS v(id, at) WHERE p.id = v.id
            """,
            ([client.portal_id for client in clients], [client.start for client in clients]),
        )
        cr.execute(
            """
            UPDATE serene_portal_activity a
               SET event_at = p.create_date, create_date = p.create_date, write_date = p.create_date,
                   ip_address = %s, user_agent = %s
              FROM serene_client_portal p
             WHERE a.portal_id = p.id AND a.event_type = 'portal_created' AND p.id = ANY(%s)
            """,
            (office, STAFF_AGENT, [client.portal_id for client in clients]),
        )
        # Creating is following: the note owner created the client and, with its first item, the portal.
        for owner, owned in self.group_by(clients, lambda client: client.owner).items():
            partner = owned[0].practice.user_partner[owner]
            self.follow("res.partner", [client.partner_id for client in owned], partner)
            self.follow("serene.client.portal", [client.portal_id for client in owned], partner)
        discharged = [client.portal_id for client in clients if client.discharged]
        if discharged:
            env["serene.client.portal"].browse(discharged).with_context(CONTEXT).write({"active": False})
        env.invalidate_all()

    def item_vals(self, client, item):
        vals = {
            "partner_id": client.partner_id,
            "item_type": item.item_type,
            "name": item.name,
            "assigned_at": item.assigned_at,
            "due_date": item.due_date,
            "state": item.state,
            "completed_at": item.completed_at,
            "active": not item.removed_at,
            "accepted_kind_ids": [(6, 0, list(item.kinds or self.default_kinds))],
        }
        if item.survey:
            vals["survey_id"] = item.survey["id"]
        if item.url:
            vals["url"] = item.url
        if item.description:
            vals["description"] = item.description
        if item.reminders:
            vals["reminder_count"] = len(item.reminders)
            vals["last_reminded_at"] = item.reminders[-1]
        return vals

    def create_answers(self, clients):
        """The clients' own answers to the forms they opened: survey.user_input through the ORM
        (as the portal's anonymous visitor), their lines copied in, the scores recomputed."""
        env = self.env
        started = [(client, item) for client in clients for item in client.items if item.answer_state]
        if not started:
            return
        vals_list, chosen = [], []
        for client, item in started:
            survey = item.survey
            questions = survey["question_ids"]
            if survey["random"]:
                questions = env["survey.survey"].browse(survey["id"])._prepare_user_input_predefined_questions().ids
            chosen.append([question for question in survey["questions"] if question["id"] in set(questions)])
            vals_list.append(
                {
                    "survey_id": survey["id"],
                    "partner_id": client.partner_id,
                    "email": client.email,
                    "nickname": client.name,
                    "serene_item_id": item.id,
                    "state": item.answer_state,
                    "start_datetime": item.started_at if item.answer_state != "new" else None,
                    "end_datetime": item.completed_at if item.answer_state == "done" else None,
                    "survey_first_submitted": item.answer_state == "done",
                    "predefined_question_ids": [(6, 0, questions)],
                }
            )
        Answer = env["survey.user_input"].with_user(self.public_uid).sudo().with_context(CONTEXT)
        answers = Answer.create(vals_list)
        env.flush_all()
        cr = env.cr
        cr.execute(
            """
            UPDATE survey_user_input u SET create_date = v.at, write_date = COALESCE(u.end_datetime, v.at)
              FROM unnest(%s::int[], %s::timestamp[]) AS v(id, at) WHERE u.id = v.id
            """,
            (answers.ids, [item.started_at for _client, item in started]),
        )
        cr.execute(
            """
            UPDATE serene_portal_item i SET user_input_id = u.id
              FROM survey_user_input u WHERE u.serene_item_id = i.id AND u.id = ANY(%s)
            """,
            (answers.ids,),
        )
        rows, done_ids = [], []
        for answer_id, (client, item), questions in zip(answers.ids, started, chosen, strict=True):
            if item.answer_state != "done":
                continue
            done_ids.append(answer_id)
            for question in questions:
                rows.extend(self.answer_lines(answer_id, item, question, client))
        copy_rows(cr, "survey_user_input_line", LINE_COLUMNS, rows)
        env.invalidate_all()
        # What follows the lines is computed by survey's own code: each line's score, then the
        # answer's totals (and any other stored field computed from the lines).
        cr.execute("SELECT id FROM survey_user_input_line WHERE user_input_id = ANY(%s)", (done_ids,))
        self.recompute(env["survey.user_input.line"].browse([line_id for (line_id,) in cr.fetchall()]))
        done = env["survey.user_input"].browse(done_ids)
        self.recompute(done)
        if hasattr(done, "_serene_seal"):
            # The addon seals answers at completion (fingerprint, severity, risk signal).
            done.with_context(CONTEXT)._serene_seal()
            done.flush_recordset()

    def recompute(self, records):
        """Recompute the stored computed fields of ``records`` (not the related ones) with their own code."""
        fields_ = [f for f in records._fields.values() if f.store and f.compute and not f.related]
        for field_ in fields_:
            self.env.add_to_compute(field_, records)
        records.flush_recordset()

    def answer_lines(self, answer_id, item, question, client):
        """Rows of survey_user_input_line (LINE_COLUMNS) for the client's answer to ``question``."""
        rng = self.rng
        at = item.completed_at
        uid = self.public_uid

        def line(answer_type=None, **values):
            row = {
                "user_input_id": answer_id,
                "survey_id": item.survey["id"],
                "question_id": question["id"],
                "question_sequence": question["sequence"],
                "skipped": answer_type is None,
                "answer_type": answer_type,
                "answer_score": 0,
                "answer_is_correct": False,
                "create_uid": uid,
                "write_uid": uid,
                "create_date": at,
                "write_date": at,
                **values,
            }
            return tuple(row.get(column) for column in LINE_COLUMNS)

        qtype, answers = question["type"], question["answers"]
        if qtype == "simple_choice" and answers:
            # Most answers are the mild ones (first choices), and few a risk signal: a realistic spread.
            weights = [
                max(1, 8 - 3 * index) * (0.1 if answer[0] in question["risky"] else 1)
                for index, answer in enumerate(answers)
            ]
            return [line("suggestion", suggested_answer_id=rng.choices(answers, weights=weights)[0][0])]
        if qtype == "multiple_choice" and answers:
            picked = rng.sample(answers, k=rng.randint(1, min(2, len(answers))))
            return [line("suggestion", suggested_answer_id=answer[0]) for answer in picked]
        if qtype == "matrix" and answers and question["rows"]:
            return [
                line("suggestion", suggested_answer_id=rng.choice(answers)[0], matrix_row_id=row)
                for row in question["rows"]
            ]
        if qtype == "text_box":
            return [line("text_box", value_text_box=rng.choice(TEXT_ANSWERS))]
        if qtype == "char_box":
            phone = f"+32 47{rng.randint(0, 9)} {rng.randint(100000, 999999)}"
            return [line("char_box", value_char_box=f"{rng.choice(FIRST_NAMES)} {client.name.split()[-1]}, {phone}")]
        if qtype == "numerical_box":
            return [line("numerical_box", value_numerical_box=rng.randint(1, 10))]
        if qtype == "scale" and question["scale"]:
            return [line("scale", value_scale=rng.randint(*question["scale"]))]
        if qtype == "date":
            return [line("date", value_date=(at - timedelta(days=rng.randint(30, 3000))).date())]
        if qtype == "datetime":
            return [line("datetime", value_datetime=at)]
        return [line()]

    def create_files(self, practice, clients):
        """Shared files (uploaded by the note owner) and the clients' uploads, as ir.attachment
        records of their items, and the items' file lists."""
        env = self.env
        shared, uploads = [], []
        for client in clients:
            for item in client.items:
                if item.file:
                    shared.append((client, item, item.file, item.file, None))
                for name, key in item.uploads:
                    uploads.append((client, item, name, key, item.upload_note))
        links = []
        for owner_uid, group in self.group_by(shared, lambda row: row[0].owner).items():
            links += self.attachments(practice, group, owner_uid)
        if uploads:
            links += self.attachments(practice, uploads, self.public_uid)
        if links:
            env.flush_all()
            env.cr.execute(
                """
                INSERT INTO serene_portal_item_attachment_rel (item_id, attachment_id)
                SELECT * FROM unnest(%s::int[], %s::int[])
                """,
                ([item_id for item_id, _attachment, _at in links], [attachment for _item, attachment, _at in links]),
            )
            env.cr.execute(
                """
                UPDATE ir_attachment a SET create_date = v.at, write_date = v.at
                  FROM unnest(%s::int[], %s::timestamp[]) AS v(id, at) WHERE a.id = v.id
                """,
                ([attachment for _item, attachment, _at in links], [at for _item, _attachment, at in links]),
            )
            env.invalidate_all()

    def attachments(self, practice, rows, uid):
        Attachment = self.env["ir.attachment"].with_user(uid).sudo().with_context(CONTEXT)
        vals_list = []
        for _client, item, name, key, note in rows:
            data, mimetype = self.files[key]
            vals_list.append(
                {
                    "name": name,
                    "raw": data,
                    "mimetype": mimetype,
                    "res_model": "serene.portal.item",
                    "res_id": item.id,
                    "company_id": practice.company_id,
                    "description": note,
                }
            )
        records = Attachment.create(vals_list)
        return [
            (item.id, record.id, item.completed_at if item.item_type == "document_request" else item.assigned_at)
            for (_client, item, *_rest), record in zip(rows, records, strict=True)
        ]

    def follow(self, model, res_ids, partner_id):
        """``partner_id`` follows the records, as their creator does in Odoo (the generator
        creates with ``tracking_disable``, which skips it)."""
        if res_ids:
            self.env["mail.followers"]._insert_followers(model, res_ids, [partner_id], check_existing=True)

    @staticmethod
    def group_by(rows, key):
        groups = {}
        for row in rows:
            groups.setdefault(key(row), []).append(row)
        return groups

    def create_links(self, clients):
        env = self.env
        vals_list, links = [], []
        for client in clients:
            for link in client.links:
                links.append(link)
                vals_list.append(
                    {
                        "portal_id": client.portal_id,
                        "key_hash": link.key_hash,
                        "fingerprint": link.fingerprint,
                        "expiry_days": LINK_EXPIRY_DAYS,
                        "expires_at": link.expires_at(),
                        "revoked_at": link.revoked_at,
                        "last_used_at": link.last_used_at,
                    }
                )
        if not vals_list:
            return
        records = env["serene.portal.link"].with_context(CONTEXT).create(vals_list)
        env.flush_all()
        env.cr.execute(
            """
            UPDATE serene_portal_link l SET create_date = v.created, write_date = v.changed
              FROM unnest(%s::int[], %s::timestamp[], %s::timestamp[]) AS v(id, created, changed) WHERE l.id = v.id
            """,
            (
                records.ids,
                [link.sent_at for link in links],
                [max(filter(None, (link.sent_at, link.last_used_at, link.revoked_at))) for link in links],
            ),
        )
        self.link_count = getattr(self, "link_count", 0) + len(links)

    def create_activity(self, practice, clients):
        """The rest of the audit trail, copied in: what the ORM logged (portals created, items
        added) is already there, at its time."""
        rows = []
        for client in clients:
            for at, event_type, item, actor, user_id, result, detail, ip, agent, fingerprint in client.events:
                creator = user_id or (self.public_uid if actor == "client" else self.root)
                rows.append(
                    (
                        at,
                        event_type,
                        client.portal_id,
                        client.partner_id,
                        practice.company_id,
                        item.id if item else None,
                        user_id,
                        actor,
                        result,
                        detail,
                        ip,
                        agent,
                        fingerprint,
                        creator,
                        at,
                        creator,
                        at,
                    )
                )
            client.events = []
        self.env.flush_all()
        copy_rows(self.env.cr, "serene_portal_activity", self.ACTIVITY_COLUMNS, rows)

    ACTIVITY_COLUMNS = (
        "event_at",
        "event_type",
        "portal_id",
        "partner_id",
        "company_id",
        "item_id",
        "user_id",
        "actor",
        "result",
        "detail",
        "ip_address",
        "user_agent",
        "key_fingerprint",
        "create_uid",
        "create_date",
        "write_uid",
        "write_date",
    )

    def session_category(self):
        Type = self.env["calendar.event.type"]
        category = Type.search([("name", "=", "Therapy Session")], limit=1)
        return category or Type.create({"name": "Therapy Session"})

    def create_appointments(self, clients):
        """Sessions through the ORM, organised by the note owner: the client and the owner
        attend; no invitation is sent."""
        env = self.env
        rng = self.rng
        attendee_states = {}
        for owner, owned in self.group_by(clients, lambda client: client.owner).items():
            practice = owned[0].practice
            vals_list, states = [], []
            for client in owned:
                for start, state in client.appointments:
                    online = rng.random() < 0.3
                    vals_list.append(
                        {
                            "name": f"Session with {practice.user_name[owner]}",
                            "start": start,
                            "stop": start + timedelta(minutes=50),
                            "user_id": owner,
                            "partner_ids": [(6, 0, [client.partner_id, practice.user_partner[owner]])],
                            "location": "Video call" if online else f"Room {rng.randint(1, 4)}",
                            "categ_ids": [(6, 0, self.session_type.ids)],
                            "privacy": "private",
                        }
                    )
                    states.append((client.partner_id, state))
            if not vals_list:
                continue
            Event = env["calendar.event"].with_user(owner).sudo().with_context(CONTEXT)
            events = Event.create(vals_list)
            for event, (partner_id, state) in zip(events, states, strict=True):
                attendee_states.setdefault(state, []).append((event.id, partner_id))
            self.follow("calendar.event", events.ids, practice.user_partner[owner])
        env.flush_all()
        for state, pairs in attendee_states.items():
            if state == "needsAction":
                continue
            attendees = env["calendar.attendee"].search(
                [("event_id", "in", [event for event, _partner in pairs]), ("partner_id", "in", [p for _e, p in pairs])]
            )
            wanted = set(pairs)
            attendees.filtered(lambda a, wanted=wanted: (a.event_id.id, a.partner_id.id) in wanted).write(
                {"state": state}
            )
        self.event_count = getattr(self, "event_count", 0) + sum(len(pairs) for pairs in attendee_states.values())

    def create_todos(self, clients):
        vals_list = [
            {
                "res_model_id": self.portal_model_id,
                "res_id": client.portal_id,
                "activity_type_id": self.todo_type.id,
                "user_id": client.owner,
                "summary": summary,
                "note": note,
                "date_deadline": deadline,
            }
            for client in clients
            if not client.discharged
            for deadline, summary, note in client.todos
        ]
        if vals_list:
            self.env["mail.activity"].with_user(self.public_uid).sudo().with_context(CONTEXT).create(vals_list)

    def write_practice_events(self, practice):
        """The practice's own events: a monthly export of the activity for the auditor."""
        rows = []
        manager = practice.managers[0]
        for months in range(12, 0, -1):
            at = self.now - timedelta(days=30 * months - self.rng.randint(0, 5))
            at = at.replace(hour=self.rng.randint(8, 17))
            detail = f"the whole practice, {(at - timedelta(days=30)).date()} to {at.date()}"
            rows.append(
                (
                    at,
                    "audit_exported",
                    None,
                    None,
                    practice.company_id,
                    None,
                    manager,
                    "staff",
                    "ok",
                    detail,
                    practice.office_ip,
                    STAFF_AGENT,
                    None,
                    manager,
                    at,
                    manager,
                    at,
                )
            )
        self.env.flush_all()
        copy_rows(self.env.cr, "serene_portal_activity", self.ACTIVITY_COLUMNS, rows)
        self.commit()

    # -- the end: stored fields, checks and counts ------------------------------

    def finish(self):
        env = self.env
        company_ids = [practice.company_id for practice in self.companies]
        # Stored computed fields of the portal's models follow their data: recompute them, so
        # what was moved or copied in with SQL leaves nothing stale.
        for model in ("serene.client.portal", "serene.portal.item", "serene.portal.link"):
            Model = env[model].with_context(active_test=False)
            fields_ = [f for f in Model._fields.values() if f.store and f.compute and not f.related]
            if not fields_:
                continue
            for first in range(0, 1 << 62, 5000):
                records = Model.search([("company_id", "in", company_ids)], order="id", offset=first, limit=5000)
                if not records:
                    break
                for field_ in fields_:
                    env.add_to_compute(field_, records)
                records.flush_recordset()
                self.commit()
        Portal = env["serene.client.portal"]
        if hasattr(Portal, "_cron_refresh_engagement"):
            Portal._cron_refresh_engagement()
        self.commit()
        env.cr.execute("ANALYZE")
        self.log("stored fields recomputed, statistics refreshed")
        self.log("time per step: " + ", ".join(f"{name} {seconds:.1f}s" for name, seconds in self.timings.items()))

    def queue_counts(self):
        counts = {}
        for table in ("mail_mail", "sms_sms", "serene_portal_notification"):
            self.env.cr.execute("SELECT to_regclass(%s) IS NOT NULL", (table,))
            if self.env.cr.fetchone()[0]:
                self.env.cr.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - our own table names
                counts[table] = self.env.cr.fetchone()[0]
        return counts


CHECKS = {
    "rows dated in the future": """
        SELECT (SELECT count(*) FROM serene_portal_activity WHERE event_at > now() at time zone 'utc'
                   AND company_id = ANY(%(companies)s))
             + (SELECT count(*) FROM serene_portal_item WHERE GREATEST(assigned_at, completed_at, last_reminded_at)
                   > now() at time zone 'utc' AND company_id = ANY(%(companies)s))
             + (SELECT count(*) FROM serene_portal_link WHERE GREATEST(create_date, last_used_at, revoked_at)
                   > now() at time zone 'utc' AND company_id = ANY(%(companies)s))""",
    "portals whose company is not their client's": """
        SELECT count(*) FROM serene_client_portal p JOIN res_partner c ON c.id = p.partner_id
         WHERE p.company_id IS DISTINCT FROM c.company_id AND p.company_id = ANY(%(companies)s)""",
    "items whose client or company is not their portal's": """
        SELECT count(*) FROM serene_portal_item i JOIN serene_client_portal p ON p.id = i.portal_id
         WHERE (i.partner_id IS DISTINCT FROM p.partner_id OR i.company_id IS DISTINCT FROM p.company_id)
           AND p.company_id = ANY(%(companies)s)""",
    "activity rows whose client or company is not their portal's": """
        SELECT count(*) FROM serene_portal_activity a JOIN serene_client_portal p ON p.id = a.portal_id
         WHERE (a.partner_id IS DISTINCT FROM p.partner_id OR a.company_id IS DISTINCT FROM p.company_id)
           AND p.company_id = ANY(%(companies)s)""",
    "activity rows on another portal's item": """
        SELECT count(*) FROM serene_portal_activity a JOIN serene_portal_item i ON i.id = a.item_id
         WHERE a.portal_id IS DISTINCT FROM i.portal_id AND a.company_id = ANY(%(companies)s)""",
    "clients without a note owner of their practice": """
        SELECT count(*) FROM res_partner c LEFT JOIN res_users u ON u.id = c.note_owner_id
         WHERE c.is_client AND c.company_id = ANY(%(companies)s) AND (u.id IS NULL OR u.company_id <> c.company_id)""",
    "completed forms without completed answers": """
        SELECT count(*) FROM serene_portal_item i LEFT JOIN survey_user_input u ON u.id = i.user_input_id
         WHERE i.item_type IN ('intake_form', 'assessment') AND i.state = 'completed'
           AND (u.id IS NULL OR u.state <> 'done' OR u.serene_item_id <> i.id) AND i.company_id = ANY(%(companies)s)""",
    "completed answers of items not completed": """
        SELECT count(*) FROM survey_user_input u JOIN serene_portal_item i ON i.id = u.serene_item_id
         WHERE u.state = 'done' AND i.state <> 'completed' AND i.company_id = ANY(%(companies)s)""",
    "completed requests without a file": """
        SELECT count(*) FROM serene_portal_item i WHERE i.item_type = 'document_request' AND i.state = 'completed'
           AND i.company_id = ANY(%(companies)s)
           AND NOT EXISTS (SELECT 1 FROM serene_portal_item_attachment_rel r WHERE r.item_id = i.id)""",
    "files of an item that belong to another record": """
        SELECT count(*) FROM serene_portal_item_attachment_rel r JOIN ir_attachment a ON a.id = r.attachment_id
          JOIN serene_portal_item i ON i.id = r.item_id
         WHERE (a.res_model <> 'serene.portal.item' OR a.res_id <> r.item_id) AND i.company_id = ANY(%(companies)s)""",
    "portals with more than 3 live links": """
        SELECT count(*) FROM (SELECT portal_id FROM serene_portal_link
         WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now() at time zone 'utc')
           AND company_id = ANY(%(companies)s) GROUP BY portal_id HAVING count(*) > 3) t""",
    "items over the active item limit": """
        SELECT count(*) FROM (SELECT i.portal_id FROM serene_portal_item i JOIN res_company co ON co.id = i.company_id
         WHERE i.active AND i.company_id = ANY(%(companies)s) AND co.serene_portal_item_limit > 0
         GROUP BY i.portal_id, co.serene_portal_item_limit HAVING count(*) > co.serene_portal_item_limit) t""",
}

COUNTS = (
    ("practices (companies)", "SELECT count(*) FROM res_company WHERE id = ANY(%(companies)s)"),
    ("practitioners (res.users)", "SELECT count(*) FROM res_users WHERE company_id = ANY(%(companies)s)"),
    (
        "  of them practice managers",
        """SELECT count(DISTINCT u.id) FROM res_users u
        JOIN res_groups_users_rel r ON r.uid = u.id
        WHERE u.company_id = ANY(%(companies)s) AND r.gid = %(manager_group)s""",
    ),
    ("clients (res.partner)", "SELECT count(*) FROM res_partner WHERE is_client AND company_id = ANY(%(companies)s)"),
    (
        "  in a care team",
        """SELECT count(DISTINCT r.partner_id) FROM serene_partner_care_team_rel r
        JOIN res_partner p ON p.id = r.partner_id WHERE p.company_id = ANY(%(companies)s)""",
    ),
    ("portals", "SELECT count(*) FROM serene_client_portal WHERE company_id = ANY(%(companies)s)"),
    (
        "  archived (discharged)",
        "SELECT count(*) FROM serene_client_portal WHERE NOT active AND company_id = ANY(%(companies)s)",
    ),
    ("portal items", "SELECT count(*) FROM serene_portal_item WHERE company_id = ANY(%(companies)s)"),
    (
        "items by type and state",
        """SELECT string_agg(t || ' ' || n, ', ' ORDER BY t) FROM (
        SELECT item_type || '/' || state || CASE WHEN active THEN '' ELSE '/removed' END AS t, count(*) AS n
        FROM serene_portal_item WHERE company_id = ANY(%(companies)s) GROUP BY 1) s""",
    ),
    (
        "survey answers (survey.user_input)",
        """SELECT count(*) FROM survey_user_input u JOIN serene_portal_item i
        ON i.id = u.serene_item_id WHERE i.company_id = ANY(%(companies)s)""",
    ),
    (
        "  completed",
        """SELECT count(*) FROM survey_user_input u JOIN serene_portal_item i
        ON i.id = u.serene_item_id WHERE u.state = 'done' AND i.company_id = ANY(%(companies)s)""",
    ),
    (
        "answer lines",
        """SELECT count(*) FROM survey_user_input_line l JOIN survey_user_input u ON u.id = l.user_input_id
        JOIN serene_portal_item i ON i.id = u.serene_item_id WHERE i.company_id = ANY(%(companies)s)""",
    ),
    (
        "files (ir.attachment on items)",
        """SELECT count(*) FROM ir_attachment
        WHERE res_model = 'serene.portal.item' AND company_id = ANY(%(companies)s)""",
    ),
    (
        "  uploaded by clients",
        """SELECT count(*) FROM ir_attachment WHERE res_model = 'serene.portal.item'
        AND company_id = ANY(%(companies)s) AND create_uid = %(public_uid)s""",
    ),
    ("access links", "SELECT count(*) FROM serene_portal_link WHERE company_id = ANY(%(companies)s)"),
    (
        "  live",
        """SELECT count(*) FROM serene_portal_link WHERE company_id = ANY(%(companies)s)
        AND revoked_at IS NULL AND expires_at > now() at time zone 'utc'""",
    ),
    ("activity rows", "SELECT count(*) FROM serene_portal_activity WHERE company_id = ANY(%(companies)s)"),
    (
        "  event types",
        """SELECT count(DISTINCT event_type)::text || ' of ' || %(event_types)s::text FROM serene_portal_activity
        WHERE company_id = ANY(%(companies)s)""",
    ),
    (
        "  oldest",
        """SELECT to_char(min(event_at), 'YYYY-MM-DD') FROM serene_portal_activity
        WHERE company_id = ANY(%(companies)s)""",
    ),
    (
        "appointments (calendar.event)",
        """SELECT count(*) FROM calendar_event e WHERE e.user_id IN
        (SELECT id FROM res_users WHERE company_id = ANY(%(companies)s))""",
    ),
    (
        "  upcoming",
        """SELECT count(*) FROM calendar_event e WHERE e.start > now() at time zone 'utc' AND e.user_id IN
        (SELECT id FROM res_users WHERE company_id = ANY(%(companies)s))""",
    ),
    (
        "open to-dos of note owners",
        """SELECT count(*) FROM mail_activity WHERE res_model = 'serene.client.portal'
        AND user_id IN (SELECT id FROM res_users WHERE company_id = ANY(%(companies)s))""",
    ),
)


def report(env, generator, elapsed):
    from odoo.addons.serene_client_portal.models.serene_portal_activity import EVENT_TYPES

    cr = env.cr
    params = {
        "companies": [practice.company_id for practice in generator.companies],
        "manager_group": env.ref(f"{MODULE}.group_practice_manager").id,
        "public_uid": generator.public_uid,
        "event_types": len(EVENT_TYPES),
    }
    print()
    print(f"  {'what':<38} {'rows':>12}")
    for label, query in COUNTS:
        cr.execute(query, params)
        value = cr.fetchone()[0]
        if isinstance(value, str) and len(value) > 12:
            print(f"  {label:<38}")
            for part in value.split(", "):
                print(f"      {part}")
        else:
            print(f"  {label:<38} {value if value is not None else '-':>12}")
    after = generator.queue_counts()
    queued = {table: after[table] - generator.counts_before.get(table, 0) for table in after}
    for table, count in queued.items():
        print(f"  {'new rows in ' + table:<38} {count:>12}")
    print(f"  {'elapsed (s)':<38} {elapsed:>12.1f}")
    print()
    failures = []
    for label, query in CHECKS.items():
        cr.execute(query, params)
        count = cr.fetchone()[0]
        if count:
            failures.append(f"{label}: {count}")
    failures += [f"{count} new rows in {table}" for table, count in queued.items() if count]
    logins = ", ".join(f"gen{generator.run}.c{p.index}.m001" for p in generator.companies)
    print(f"  logins (password '{PASSWORD}'): managers {logins}; practitioners gen{generator.run}.c1.p002, ...")
    if failures:
        print("CHECKS FAILED:\n  " + "\n  ".join(failures))
        return 1
    print(f"  checks: {len(CHECKS)} consistency checks passed, nothing queued to send")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--db", required=True, help="database to fill (created from the base database when missing)")
    parser.add_argument("--clients", type=int, default=10000, help="clients in all (default 10000)")
    parser.add_argument("--companies", type=int, default=1, help="practices to spread them over (default 1)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--batch", type=int, default=1000, help="clients written per transaction (default 1000)")
    parser.add_argument("--base-db", default=BASE_DB, help=f"database copied when --db is missing (default {BASE_DB})")
    parser.add_argument("--addons-path", help="Odoo's addons path (default: Odoo's addons and this repository)")
    args = parser.parse_args()
    if args.clients < 1 or args.companies < 1 or args.clients < args.companies:
        parser.error("--clients and --companies must be positive, with at least one client per company")

    started = time.monotonic()
    spec = importlib.util.find_spec("odoo")
    if not spec:
        sys.exit("python3 cannot import Odoo 19: run scripts/setup.sh")
    odoo_src = Path(next(iter(spec.submodule_search_locations))).parent
    addons_path = args.addons_path or f"{odoo_src / 'addons'},{REPO}"

    import odoo
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config([f"--addons-path={addons_path}", "--log-level=warn", "--http-interface=127.0.0.1"])
    prepare_database(args, addons_path, started)
    log(started, f"filling {args.db}: {args.clients} clients over {args.companies} practice(s), seed {args.seed}")
    registry = Registry(args.db)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, CONTEXT)
        generator = Generator(env, args, started)
        generator.generate()
        status = report(env, generator, time.monotonic() - started)
        cr.commit()
    sys.exit(status)


if __name__ == "__main__":
    main()
