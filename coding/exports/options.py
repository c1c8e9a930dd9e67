"""The choices of a quote export: which quotes, how they are grouped and signed, what else goes in.

The same object comes from the export page, the command line and a stored ExportJob (as JSON).
"""

from dataclasses import asdict, dataclass, fields

SOURCES = ("interviews", "plans", "both")
GROUPINGS = ("theme", "county")
ATTRIBUTIONS = ("internal", "publication")
LANGUAGES = ("nb", "en")
FORMATS = ("docx", "xlsx", "csv")

_CHOICES = {"sources": SOURCES, "grouping": GROUPINGS, "attribution": ATTRIBUTIONS, "language": LANGUAGES}
_FLAGS = ("key_only", "summaries", "memos", "study_memos", "plan_tables", "empty_themes")
_IDS = ("themes", "counties")


@dataclass(frozen=True)
class ExportOptions:
    themes: tuple[int, ...] = ()  # theme ids; empty = every theme shown in the codebook (archived only while coded)
    counties: tuple[int, ...] = ()  # county ids; empty = all counties (documents without a county go last)
    sources: str = "both"  # "interviews" | "plans" | "both"
    key_only: bool = False
    coder: str = ""  # username; "" = all coders
    grouping: str = "theme"  # "theme" = theme then county; "county" = county then theme
    attribution: str = "internal"  # "internal" | "publication"
    summaries: bool = True
    memos: bool = False  # memos as Word comments on their quote (docx only)
    study_memos: bool = False  # Word, internal only: a last chapter of the memos on documents, participants …
    plan_tables: bool = False
    empty_themes: bool = False  # Word: a heading also for each chosen theme without quotes
    language: str = "nb"  # "nb" | "en"

    def __post_init__(self):
        # Lists are accepted (forms and JSON give lists) and kept as tuples, so options stay hashable.
        for name in _IDS:
            value = getattr(self, name)
            if isinstance(value, str | bytes) or not hasattr(value, "__iter__"):
                raise ValueError(f"{name} must be a list of ids, not {value!r}")
            ids = tuple(value)
            for item in ids:
                if isinstance(item, bool) or not isinstance(item, int) or item < 1:
                    raise ValueError(f"{name}: {item!r} is not an id")
            object.__setattr__(self, name, ids)
        for name, allowed in _CHOICES.items():
            value = getattr(self, name)
            if value not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
        for name in _FLAGS:
            value = getattr(self, name)
            if not isinstance(value, bool):
                raise ValueError(f"{name} must be true or false, not {value!r}")
        if not isinstance(self.coder, str):
            raise ValueError(f"coder must be a user name, not {self.coder!r}")

    def to_json(self) -> dict:
        data = asdict(self)
        for name in _IDS:
            data[name] = list(data[name])
        return data

    @classmethod
    def from_json(cls, data: dict) -> "ExportOptions":
        """The options stored by to_json; ValueError naming the first bad key or value."""
        if not isinstance(data, dict):
            raise ValueError(f"export options must be an object, not {data!r}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown export option {unknown[0]!r}")
        return cls(**data)
