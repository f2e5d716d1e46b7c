"""Word lists the demo data is made of: names, places, reasons, subjects."""

from __future__ import annotations

FIRST_NAMES: tuple[str, ...] = (
    "Aaron", "Abigail", "Adam", "Adrian", "Aiden", "Alan", "Alex", "Alexis", "Alice", "Amanda",
    "Amber", "Amelia", "Amy", "Andre", "Andrea", "Andrew", "Angela", "Anna", "Anthony", "Aria",
    "Ashley", "Austin", "Ava", "Benjamin", "Beth", "Blake", "Brandon", "Brian", "Brittany",
    "Brooke", "Caleb", "Cameron", "Carla", "Carlos", "Caroline", "Carter", "Charles", "Chloe",
    "Chris", "Claire", "Cody", "Colin", "Connor", "Courtney", "Daniel", "Danielle", "David",
    "Derek", "Diana", "Diego", "Dominic", "Dylan", "Elena", "Eli", "Elijah", "Elizabeth", "Ella",
    "Emily", "Emma", "Eric", "Ethan", "Eva", "Evan", "Faith", "Felix", "Gabriel", "Gavin",
    "Grace", "Hailey", "Hannah", "Harper", "Henry", "Hunter", "Ian", "Isaac", "Isabella",
    "Jack", "Jacob", "Jade", "James", "Jasmine", "Jason", "Javier", "Jenna", "Jennifer",
    "Jeremy", "Jessica", "Joel", "John", "Jordan", "Jose", "Joseph", "Joshua", "Julia", "Julian",
    "Justin", "Kayla", "Kevin", "Kyle", "Laura", "Lauren", "Leah", "Leo", "Liam", "Lily",
    "Logan", "Lucas", "Lucy", "Luis", "Luke", "Madison", "Maria", "Mark", "Marcus", "Mason",
    "Matthew", "Maya", "Megan", "Mia", "Michael", "Michelle", "Miguel", "Mila", "Natalie",
    "Nathan", "Nicole", "Noah", "Nora", "Olivia", "Omar", "Owen", "Paige", "Patrick", "Paul",
    "Priya", "Rachel", "Rebecca", "Riley", "Robert", "Ryan", "Samantha", "Samuel", "Sara",
    "Scott", "Sean", "Sofia", "Sophie", "Stephanie", "Steven", "Taylor", "Thomas", "Tiffany",
    "Tyler", "Valerie", "Victoria", "Vincent", "Wesley", "William", "Xavier", "Zoe",
)  # fmt: skip

LAST_NAMES: tuple[str, ...] = (
    "Adams", "Allen", "Alvarez", "Anderson", "Bailey", "Baker", "Barnes", "Bell", "Bennett",
    "Brooks", "Brown", "Bryant", "Butler", "Campbell", "Carter", "Castillo", "Chavez", "Chen",
    "Clark", "Coleman", "Collins", "Cook", "Cooper", "Cox", "Cruz", "Davis", "Diaz", "Edwards",
    "Evans", "Fisher", "Flores", "Foster", "Garcia", "Gomez", "Gonzalez", "Gray", "Green",
    "Griffin", "Hall", "Harris", "Hayes", "Henderson", "Hernandez", "Hill", "Howard", "Hughes",
    "Jackson", "James", "Jenkins", "Johnson", "Jones", "Kelly", "Kim", "King", "Lee", "Lewis",
    "Long", "Lopez", "Martin", "Martinez", "Miller", "Mitchell", "Moore", "Morales", "Morgan",
    "Morris", "Murphy", "Myers", "Nelson", "Nguyen", "Ortiz", "Parker", "Patel", "Perez",
    "Perry", "Peterson", "Phillips", "Powell", "Price", "Ramirez", "Reed", "Reyes",
    "Richardson", "Rivera", "Roberts", "Robinson", "Rodriguez", "Rogers", "Ross", "Russell",
    "Sanchez", "Sanders", "Scott", "Shah", "Simmons", "Smith", "Stewart", "Sullivan", "Taylor",
    "Thomas", "Thompson", "Torres", "Turner", "Walker", "Ward", "Washington", "Watson", "White",
    "Williams", "Wilson", "Wood", "Wright", "Young",
)  # fmt: skip

# (domain, weight): where demo people keep their mail.
EMAIL_DOMAINS: tuple[tuple[str, int], ...] = (
    ("gmail.com", 50),
    ("yahoo.com", 12),
    ("outlook.com", 10),
    ("hotmail.com", 8),
    ("icloud.com", 10),
    ("proton.me", 3),
    ("aol.com", 2),
    ("example.com", 5),
)

AREA_CODES: tuple[int, ...] = (
    212, 213, 305, 312, 404, 415, 469, 512, 602, 617, 646, 702, 713, 718, 720, 786, 818, 917,
)  # fmt: skip

LOST_REASONS_NO_CALL: tuple[str, ...] = (
    "No response after 5 attempts",
    "Not interested right now",
    "Invalid phone number",
    "Just browsing",
    "Chose a competitor",
)

LOST_REASONS_AFTER_OFFER: tuple[str, ...] = (
    "Price too high",
    "Timing: wants to start next quarter",
    "Needs to talk to spouse",
    "Chose a competitor",
    "No budget right now",
)

LOST_REASON_NOT_QUALIFIED = "Not a fit for the program"
LOST_REASON_NO_SHOW = "No show, did not rebook"
LOST_REASON_CANCELLED = "Cancelled the call, stopped replying"

CALL_NOTES: tuple[str, ...] = (
    "Strong fit, motivated to start soon.",
    "Asked about payment plans.",
    "Wants to see student results first.",
    "Needs to check with business partner.",
    "Already runs a small agency.",
    "Budget is tight; interested in the entry program.",
)

FAILURE_REASONS: tuple[str, ...] = (
    "Card declined",
    "Insufficient funds",
    "Expired card",
    "Do not honor",
    "Authentication required",
)

BROADCAST_SUBJECTS: tuple[str, ...] = (
    "How {name} landed 3 new clients in {n} weeks",
    "The {n}-minute morning routine our top students swear by",
    "{n} mistakes that keep your offer from selling",
    "Live Q&A this Thursday: bring your questions",
    "Case study: from side hustle to {n}k/month",
    "Why your content gets likes but no leads",
    "Doors close Friday: last call for the spring cohort",
    "The pricing framework we teach on day one",
    "What {name} wishes she knew before launching",
    "Your {n}-step plan for the next 90 days",
)
