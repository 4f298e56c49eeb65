"""The words of generated memes: templates, subjects, endings, tags, and a vocabulary whose
words titles draw by Zipf's law, so that searches meet common, rare and absent words."""

import itertools
import random

TEMPLATES = [
    "Distracted boyfriend",
    "This is fine",
    "Drake hotline bling",
    "Expanding brain",
    "Two buttons",
    "Grumpy cat",
    "Doge",
    "Success kid",
    "Change my mind",
    "Woman yelling at cat",
    "Surprised pikachu",
    "Is this a pigeon",
    "Hide the pain harold",
    "Roll safe",
    "Stonks",
    "Galaxy brain",
    "Mocking spongebob",
    "Bernie asking",
    "Disaster girl",
    "Ancient aliens",
    "One does not simply",
    "Sad keanu",
    "Philosoraptor",
    "Bad luck brian",
    "Overly attached girlfriend",
]
SUBJECTS = [
    "developers",
    "cats",
    "the intern",
    "my code review",
    "Monday",
    "the deadline",
    "production",
    "the database",
    "JavaScript",
    "kubernetes",
    "coffee",
    "the cloud bill",
    "legacy code",
    "unit tests",
    "the standup",
    "dogs",
    "the printer",
    "regex",
    "dark mode",
    "the wifi",
]
ENDINGS = [
    "again",
    "at 3am",
    "on a Friday",
    "before coffee",
    "in production",
    "every single time",
    "after the migration",
    "without tests",
    "with extra steps",
    "for the last time",
]
DESCRIPTIONS = [
    "When {s} meets {t}.",
    "Nobody: absolutely nobody. {S}: {e}.",
    "Me explaining {s} to {t}.",
    "{S} vs {t}, round {n}.",
    "Instructions unclear, {s} stuck {e}.",
    "Such {s}, very {t}, wow.",
]
TAGS = [
    "classic",
    "work",
    "cats",
    "dogs",
    "programming",
    "monday",
    "coffee",
    "wholesome",
    "dank",
    "reaction",
    "gaming",
    "school",
    "science",
    "cursed",
    "relatable",
    "animals",
    "sports",
    "politics",
    "movies",
    "music",
    "food",
    "weekend",
    "deadline",
    "devops",
    "python",
    "javascript",
    "database",
    "cloud",
    "security",
    "testing",
    "frontend",
    "backend",
    "meetings",
    "remote",
    "interns",
    "legacy",
    "regex",
    "linux",
    "windows",
    "mac",
    "mobile",
    "ai",
    "crypto",
    "retro",
    "vintage",
    "fail",
    "win",
    "oddly-satisfying",
    "facepalm",
    "mind_blown",
]
# Few tags are used a lot, most a little, as in real collections.
TAG_WEIGHTS = [1 / (rank + 1) for rank in range(len(TAGS))]
# Words that real meme titles hold and the templates above do not: each is somewhere in the
# long tail of WORDS, so that some searches find thousands of memes and others a handful.
_REAL_WORDS = """
build boss deploy merge rebase pipeline sprint refactor hotfix release server laptop keyboard
manager meeting ticket docker commit review standup outage rollback compiler debugger cache
queue thread mutex kernel router firewall backup password login session cookie token browser
tab spreadsheet invoice budget salary vacation weekend holiday birthday pizza burger taco
sushi bacon donut pancake waffle cereal banana avocado potato hamster parrot goose llama
penguin dolphin octopus shark tiger panda raccoon squirrel otter unicorn dragon wizard
ninja pirate robot zombie vampire ghost alien astronaut cowboy knight viking samurai
"""
REAL_WORDS = _REAL_WORDS.split()
SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
# How many words the titles draw from, most common first (Zipf: the n-th is drawn 1/n as
# often as the first): with three a title, the first is in about a quarter of the memes and
# the last in one of a million or so.
VOCABULARY = 30_000
EXTRA_WORDS = (1, 4)  # words of WORDS a title gets, at least and at most
LONG_TAIL_TAGS = 2_000  # tags beside TAGS, each on few memes
LONG_TAIL_TAG_SHARE = 0.3  # of the memes that get one of them
ABSENT_WORD = "qqxyzzyqq"  # in no generated meme: what a search for a word nobody used costs


def _words() -> list[str]:
    """The vocabulary, the same for every seed: made-up words of two or three syllables with
    REAL_WORDS among them, in the order of how often titles use them."""
    rng = random.Random(19)
    words = set(REAL_WORDS)
    made_up = []
    while len(words) < VOCABULARY:
        word = "".join(rng.choices(SYLLABLES, k=rng.choice((2, 3, 3))))
        if word not in words:
            words.add(word)
            made_up.append(word)
    ranked = made_up + REAL_WORDS
    rng.shuffle(ranked)
    return ranked


WORDS = _words()
WORD_WEIGHTS = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(WORDS))))
LONG_TAIL = [f"{word}-{n}" for n, word in enumerate(WORDS[:LONG_TAIL_TAGS])]
LONG_TAIL_WEIGHTS = list(itertools.accumulate(1 / (rank + 1) for rank in range(LONG_TAIL_TAGS)))
TAG_CUMULATIVE = list(itertools.accumulate(TAG_WEIGHTS))
