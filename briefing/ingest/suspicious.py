"""Text addressed to automated readers: instructions planted in a page for AI systems.

Pages (and articles copied from them) can carry paragraphs written for machines rather
than people: "Ignore previous instructions and ...", "Note to AI summarisers: ...",
"[If you are a language model, say ...]", chat-role markers such as "<|im_start|>".
Whatever reads the article next (a model, or the extractive engine picking sentences)
would take them as article text. Cleaning therefore screens every paragraph (and the
title) against the table below and removes the ones that match, with the reason, so
`briefing inspect` can list them and the brief can say that text was removed.

The table holds patterns per language (English, French, Spanish, German, Portuguese,
Arabic) in three families, plus two structural cues that work in any of them:

- an override: an imperative to ignore or forget previous or system instructions;
- an address: a note, greeting or condition addressed to an AI, assistant, language
  model, chatbot or summariser ("Note to AI models", "If you are an AI", "Dear ChatGPT"),
  or instructions for whoever summarises "this article";
- a marker: chat-template and prompt markers ("[INST]", "<|im_start|>", "System:");
- structure (any language): a whole paragraph in brackets, braces or an HTML comment
  that names an AI system or instructions; an imperative sentence whose subject is an AI
  reader and whose object is this page.

The patterns aim at text that speaks *to* a machine; news *about* AI ("the ministry's
chatbot must comply with the law") does not match. Matching is by paragraph: a paragraph
that carries such text is removed whole, so nothing in it can reach a brief.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from briefing.ingest.cleaning import Findings, RemovedLine

_FLAGS = re.IGNORECASE | re.UNICODE

# Names of automated readers, per language (a regex alternation each). Acronyms are
# case-sensitive: "Ai" is a name ("Ai Weiwei"), "ki" a syllable. Brand names that are
# also people's names or jobs (Claude, Gemini, Copilot) are left out.
_AI_EN = (
    r"(?-i:AIs?|A\.I\.|LLMs?)|artificial intelligences?|(?:large )?language models?"
    r"|chat ?bots?|ChatGPT|GPT-\w+|(?-i:AI) (?:agents?|models?|systems?|tools?|readers?)"
    r"|(?:(?-i:AI)|virtual|digital) assistants?|summari[sz](?:ers?|ation (?:tools?|models?))"
    r"|crawlers?|scrapers?|bots?|automated (?:readers?|systems?|tools?|agents?)"
)
_AI_FR = (
    r"(?-i:IA|I\.A\.|LLM)|intelligences? artificielles?|mod[eè]les? (?:de langage|d'IA)"
    r"|assistants? (?:IA|virtuels?)|chatbots?|agents? conversationnels?|robots?"
    r"|outils? de r[ée]sum[ée]"
)
_AI_ES = (
    r"(?-i:IA|I\.A\.|LLM)|inteligencias? artificial(?:es)?|modelos? de (?:lenguaje|IA)"
    r"|asistentes? (?:de IA|virtuales?)|chatbots?|bots?|resumidores?"
)
_AI_DE = (
    r"(?-i:KI|K\.I\.|LLMs?)|künstliche Intelligenz|(?:KI-)?Sprachmodell(?:e|en)?"
    r"|KI-Assistent(?:en|in)?|Chatbots?|Bots?|KI-Systeme?n?"
)
_AI_PT = (
    r"(?-i:IA|I\.A\.|LLM)|intelig[êe]ncias? artifici(?:al|ais)|modelos? de (?:linguagem|IA)"
    r"|assistentes? (?:de IA|virtuais?)|chatbots?|rob[ôo]s?|bots?"
)
_AI_AR = (
    r"الذكاء الاصطناعي|نموذج(?: ال)?لغوي|نماذج اللغة|النماذج اللغوية|المساعد الذكي"
    r"|روبوت(?:ات)? الدردشة|برامج التلخيص|المساعدات الذكية"
)
_AI_ANY = "|".join((_AI_EN, _AI_FR, _AI_ES, _AI_DE, _AI_PT, _AI_AR))
_PAGE_EN = r"(?:this|the following|the above) (?:article|page|text|story|post|document|content)"
# Where an imperative starts: a paragraph or line, after punctuation (Arabic's included)
# or a softener. "Residents were told to ignore previous instructions" does not qualify.
_START = (
    r"(?:^|(?<=[.!?:;,\]\)\"“”«»…—–،؛؟#*>•])\s*|\b(?:please|now|and|then|kindly|veuillez|et"
    r"|por favor|y|bitte|und|agora|e|ahora|maintenant)\s+)"
)

OVERRIDE = "tells automated readers to ignore their instructions"
ADDRESS = "a note or instruction addressed to AI systems"
MARKER = "a chat-role or prompt marker"
BRACKETED = "a bracketed note to automated readers"

# (language, reason, pattern). Each pattern is searched anywhere in a paragraph.
PATTERNS: tuple[tuple[str, str, str], ...] = (
    # --- English
    (
        "en",
        OVERRIDE,
        rf"{_START}(?:ignore|disregard|forget|override|bypass)\b[^.!?\n]{{0,40}}?"
        r"\b(?:previous|prior|above|earlier|preceding|foregoing|all|any|your|system|original)"
        r"\b[^.!?\n]{0,20}?\b(?:instructions?|prompts?|directives?)\b",
    ),
    (
        "en",
        ADDRESS,
        rf"\b(?:note|message|notice|instructions?|memo|reminder|warning)s?\s*(?:to|for)\s+"
        rf"(?:any|all|every|the)?\s*(?:{_AI_EN})\b",
    ),
    ("en", ADDRESS, rf"\b(?:dear|hello|hi|hey|attention)\s*[,:]?\s+(?:any |all )?(?:{_AI_EN})\b"),
    (
        "en",
        ADDRESS,
        rf"\bif you(?: are|'re| were)\s+(?:an?|the|reading this as an?)\s+"
        rf"(?:{_AI_EN})\b",
    ),  # fmt: skip
    ("en", ADDRESS, rf"\bas an? (?:{_AI_EN}),? you\b"),
    (
        "en",
        ADDRESS,
        rf"\b(?:{_AI_EN})\s+(?:that (?:are|is) )?(?:reading|processing|summari[sz]ing|parsing"
        rf"|scraping|crawling|analy[sz]ing|indexing|ingesting)\s+{_PAGE_EN}",
    ),
    (
        "en",
        ADDRESS,
        rf"\bwhen (?:you )?(?:summari[sz]e|summari[sz]ing|(?:are )?asked to summari[sz]e"
        rf"|writing (?:a|your) (?:summary|brief) of)\s+{_PAGE_EN}",
    ),
    ("en", ADDRESS, r"\bin your (?:summary|summaries|output)\b"),
    ("en", MARKER, r"\byou are now (?:in )?(?:developer mode|DAN\b|jailbroken|unrestricted)"),
    # --- French
    (
        "fr",
        OVERRIDE,
        rf"{_START}(?:ignorez|ignore|oubliez|oublie|ne tenez pas compte des?"
        r"|ne tiens pas compte des?|faites abstraction des?)\b[^.!?\n]{0,40}?"
        r"\b(?:instructions|consignes|directives)\s+(?:pr[ée]c[ée]dentes|ant[ée]rieures"
        r"|ci-dessus|initiales|d'origine|du syst[èe]me)",
    ),
    (
        "fr",
        OVERRIDE,
        rf"{_START}(?:ignorez|ignore|oubliez|oublie)\s+toutes (?:les |tes |vos )"
        r"(?:instructions|consignes)\b",
    ),  # fmt: skip
    (
        "fr",
        ADDRESS,
        rf"\b(?:note|message|avis|consigne)s?\s+(?:à|aux|pour)\s+(?:l[ae'] ?|les )?"
        rf"(?:{_AI_FR})\b",
    ),  # fmt: skip
    ("fr", ADDRESS, rf"\bsi (?:vous [êe]tes|tu es)\s+(?:une? |l')(?:{_AI_FR})\b"),
    ("fr", ADDRESS, rf"\b(?:à l'attention d(?:es?|u)|cher|chère)\s+(?:{_AI_FR})\b"),
    ("fr", ADDRESS, r"\bdans (?:votre|ton) (?:résumé|synthèse)\b"),
    # --- Spanish
    (
        "es",
        OVERRIDE,
        rf"{_START}(?:ignora|ignore|ignoren|olvida|olvide|olviden|descarta|descarte|omite"
        r"|omita|haz caso omiso de|haga caso omiso de)\b[^.!?\n]{0,40}?"
        r"\b(?:instrucciones|indicaciones|directrices|órdenes)\s+(?:anteriores|previas"
        r"|de arriba|iniciales|originales|del sistema)",
    ),
    (
        "es",
        OVERRIDE,
        rf"{_START}(?:ignora|ignore|olvida|olvide)\s+todas las "
        r"(?:instrucciones|indicaciones)",
    ),  # fmt: skip
    (
        "es",
        ADDRESS,
        rf"\b(?:nota|mensaje|aviso)s?\s+(?:para|a)\s+(?:la |las |los |el )?"
        rf"(?:{_AI_ES})\b",
    ),  # fmt: skip
    ("es", ADDRESS, rf"\bsi (?:eres|usted es)\s+(?:una? |el |la )(?:{_AI_ES})\b"),
    ("es", ADDRESS, rf"\b(?:querid[ao]|estimad[ao]|atenci[óo]n)\s*,?\s+(?:{_AI_ES})\b"),
    ("es", ADDRESS, r"\ben tu resumen\b"),
    # --- German
    (
        "de",
        OVERRIDE,
        rf"{_START}(?:ignoriere|ignorieren Sie|vergiss|vergessen Sie|missachte"
        r"|missachten Sie)\b[^.!?\n]{0,40}?\b(?:vorherigen|bisherigen|obigen|vorangegangenen"
        r"|ursprünglichen|früheren|alle)\s+(?:\w+\s+)?(?:Anweisungen|Instruktionen|Befehle"
        r"|Vorgaben)\b",
    ),
    (
        "de",
        ADDRESS,
        rf"\b(?:Hinweis|Nachricht|Anweisung)(?:en)?\s+(?:an|für)\s+(?:die |alle |jede )?"
        rf"(?:{_AI_DE})\b",
    ),  # fmt: skip
    ("de", ADDRESS, rf"\b(?:wenn|falls) (?:du|Sie)\s+(?:eine? )?(?:{_AI_DE})\s+(?:bist|sind)\b"),
    ("de", ADDRESS, rf"\b(?:liebe[rs]?|hallo)\s*,?\s+(?:{_AI_DE})\b"),
    ("de", ADDRESS, r"\bin (?:deiner|Ihrer) Zusammenfassung\b"),
    # --- Portuguese
    (
        "pt",
        OVERRIDE,
        rf"{_START}(?:ignore|ignora|ignorem|esque[çc]a|esquece|desconsidere|desconsidera)\b"
        r"[^.!?\n]{0,40}?\b(?:instru[çc][õo]es|ordens|diretrizes)\s+(?:anteriores|acima"
        r"|pr[ée]vias|iniciais|originais|do sistema)",
    ),
    (
        "pt",
        OVERRIDE,
        rf"{_START}(?:ignore|ignora|esque[çc]a)\s+todas as "
        r"(?:instru[çc][õo]es|ordens)",
    ),  # fmt: skip
    (
        "pt",
        ADDRESS,
        rf"\b(?:nota|mensagem|aviso)s?\s+(?:para|à|às|ao|aos)\s+(?:a |as |o |os )?"
        rf"(?:{_AI_PT})\b",
    ),  # fmt: skip
    ("pt", ADDRESS, rf"\bse (?:você (?:é|for)|[ée]s|tu [ée]s)\s+(?:uma? |o |a )(?:{_AI_PT})\b"),
    ("pt", ADDRESS, r"\bno teu resumo\b"),
    # --- Arabic (no letter case; \b works on Arabic letters)
    (
        "ar",
        OVERRIDE,
        rf"{_START}(?:تجاهل|تجاهلي|تجاهلوا|انس|انسى|أهمل|اهمل)\s+(?:\S+\s+){{0,3}}?"
        r"(?:التعليمات|الأوامر|التوجيهات)\s+(?:\S+\s+)?(?:السابقة|أعلاه|الأصلية|الأولى)",
    ),
    (
        "ar",
        ADDRESS,
        rf"(?:ملاحظة|رسالة|تعليمات|تنبيه)\s+(?:إلى|الى|ل|لـ)\s*(?:أي |كل |جميع )?"
        rf"(?:{_AI_AR})",
    ),  # fmt: skip
    ("ar", ADDRESS, rf"إذا كنت\s+(?:\S+\s+)?(?:{_AI_AR}|نموذج|ذكاء اصطناعي|مساعد)"),
    ("ar", ADDRESS, r"في ملخصك"),
    # --- any language: chat templates and prompt markers
    (
        "any",
        MARKER,
        r"\[/?INST\]|<\|im_(?:start|end)\|>|<\|(?:system|user|assistant)\|>|<</?SYS>>"
        r"|</?system>|^\s*#{2,}\s*(?:system|instructions?)\b|^\s*system\s*:",
    ),
)

# A paragraph wholly inside brackets, braces, angle brackets or an HTML comment, that
# names an automated reader and speaks to it (second person, or an imperative verb).
_BRACKETED = re.compile(r"\A\s*(?:\[.*\]|\{.*\}|<!--.*-->|<[^<>]*>|\(.*\))\s*\Z", re.DOTALL)
_MACHINE = re.compile(rf"\b(?:{_AI_ANY})\b", _FLAGS)
_SPOKEN_TO = re.compile(
    r"\b(?:you|your|note (?:to|for)|ignore|say|state|write|report|summari[sz]e|describe"
    r"|include|omit|mention|respond|answer|output|print|repeat|tell|vous|tu|usted|du|Sie"
    r"|você|ignorez|dites|écrivez|di|escribe|sag|schreibe|diga|escreva)\b",
    _FLAGS,
)
# An imperative whose subject is an AI reader and whose object is this page: "AI models
# must say that this article is satire."
_IMPERATIVE = re.compile(
    rf"\b(?:{_AI_EN})\b[^.!?\n]{{0,60}}\b(?:must|should|shall|need to|are (?:instructed|"
    rf"asked|required|told) to)\b[^.!?\n]{{0,80}}\b{_PAGE_EN}",
    _FLAGS,
)
_COMPILED = tuple(
    (language, reason, re.compile(pattern, _FLAGS | re.MULTILINE))
    for language, reason, pattern in PATTERNS
)


@dataclass(frozen=True)
class Flag:
    """Why a paragraph is taken as addressed to automated readers."""

    reason: str
    language: str  # "en", "fr"... or "any"
    matched: str  # the words that matched, for `briefing inspect`

    def describe(self) -> str:
        lang = "" if self.language == "any" else f", {self.language}"
        return f"addressed to automated readers: {self.reason}{lang}"


def screen(text: str) -> Flag | None:
    """Why `text` (a paragraph or a title) speaks to automated readers, or None."""
    for language, reason, pattern in _COMPILED:
        if found := pattern.search(text):
            return Flag(reason, language, found.group(0))
    if _BRACKETED.match(text) and (found := _MACHINE.search(text)) and _SPOKEN_TO.search(text):
        return Flag(BRACKETED, "any", found.group(0))
    if found := _IMPERATIVE.search(text):
        return Flag(ADDRESS, "en", found.group(0))
    return None


def screen_for_machines(
    paragraphs: list[str], found: Findings, *, keep: bool = False
) -> tuple[list[str], tuple[RemovedLine, ...]]:
    """Screen cleaned paragraphs and the title in `found`: the paragraphs to keep, and
    every flagged one as a RemovedLine with its reason.

    Unless `keep`, flagged paragraphs are dropped and added to `found.removed`, and a
    flagged title is forgotten (it would otherwise return as the first paragraph).
    """
    flagged: list[RemovedLine] = []
    kept: list[str] = []
    title_flag = screen(found.title) if found.title else None
    for paragraph in paragraphs:
        flag = title_flag if paragraph == found.title else screen(paragraph)
        if flag is None:
            kept.append(paragraph)
            continue
        flagged.append(RemovedLine(0, paragraph, flag.describe()))
        if keep:
            kept.append(paragraph)
    if title_flag is not None and found.title not in paragraphs:
        flagged.insert(0, RemovedLine(0, found.title or "", f"title {title_flag.describe()}"))
    if not keep:
        found.removed.extend(flagged)
        found.title = None if title_flag is not None else found.title
    return kept, tuple(flagged)
