"""The table `briefing.ingest.suspicious` screens paragraphs with: text addressed to
automated readers, per language, as regular expressions with their anchor words.

Each entry is (language, reason, anchors, pattern). The pattern is searched only in a
paragraph that contains one of its anchors: a whole lower-case word, or, for an anchor
with other characters than letters and digits ("a.i.", "<|"), a substring of the lower-case
text. Anchors are the rarest part every match must contain (an override verb, the name
of an AI system), so ordinary news skips almost every pattern and screening stays fast
on long articles. A new pattern needs anchors that every one of its matches contains.
"""

from __future__ import annotations

# Names of automated readers, per language (a regex alternation each), and the words
# (anchors) one of which every such name contains. Acronyms are case-sensitive: "Ai" is a
# name ("Ai Weiwei"), "ki" a syllable. Brand names that are also people's names or jobs
# (Claude, Gemini, Copilot) are left out.
AI_EN = (
    r"(?-i:AIs?|A\.I\.|LLMs?)|artificial intelligences?|(?:large )?language models?"
    r"|chat ?bots?|ChatGPT|GPT-\w+|(?-i:AI) (?:agents?|models?|systems?|tools?|readers?)"
    r"|(?:(?-i:AI)|virtual|digital) assistants?|summari[sz](?:ers?|ation (?:tools?|models?))"
    r"|crawlers?|scrapers?|bots?|automated (?:readers?|systems?|tools?|agents?)"
)
AI_EN_WORDS = frozenset(
    """ai ais a.i. llm llms artificial language chatbot chatbots chat chatgpt gpt assistant
    assistants summariser summarisers summarizer summarizers summarisation summarization
    crawler crawlers scraper scrapers bot bots automated""".split()
)
AI_FR = (
    r"(?-i:IA|I\.A\.|LLM)|intelligences? artificielles?|mod[eè]les? (?:de langage|d'IA)"
    r"|assistants? (?:IA|virtuels?)|chatbots?|agents? conversationnels?|robots?"
    r"|outils? de r[ée]sum[ée]"
)
AI_FR_WORDS = frozenset(
    """ia i.a. llm intelligence intelligences modèle modèles modele modeles assistant
    assistants chatbot chatbots agent agents robot robots outil outils""".split()
)
AI_ES = (
    r"(?-i:IA|I\.A\.|LLM)|inteligencias? artificial(?:es)?|modelos? de (?:lenguaje|IA)"
    r"|asistentes? (?:de IA|virtuales?)|chatbots?|bots?|resumidores?"
)
AI_ES_WORDS = frozenset(
    """ia i.a. llm inteligencia inteligencias modelo modelos asistente asistentes chatbot
    chatbots bot bots resumidor resumidores""".split()
)
AI_DE = (
    r"(?-i:KI|K\.I\.|LLMs?)|künstliche Intelligenz|(?:KI-)?Sprachmodell(?:e|en)?"
    r"|KI-Assistent(?:en|in)?|Chatbots?|Bots?|KI-Systeme?n?"
)
AI_DE_WORDS = frozenset(
    """ki k.i. llm llms künstliche sprachmodell sprachmodelle sprachmodellen chatbot chatbots
    bot bots""".split()
)
AI_PT = (
    r"(?-i:IA|I\.A\.|LLM)|intelig[êe]ncias? artifici(?:al|ais)|modelos? de (?:linguagem|IA)"
    r"|assistentes? (?:de IA|virtuais?)|chatbots?|rob[ôo]s?|bots?"
)
AI_PT_WORDS = frozenset(
    """ia i.a. llm inteligência inteligências inteligencia inteligencias modelo modelos
    assistente assistentes chatbot chatbots robô robôs robo robos bot bots""".split()
)
AI_AR = (
    r"الذكاء الاصطناعي|نموذج(?: ال)?لغوي|نماذج اللغة|النماذج اللغوية|المساعد الذكي"
    r"|روبوت(?:ات)? الدردشة|برامج التلخيص|المساعدات الذكية"
)
AI_AR_WORDS = frozenset("الذكاء نموذج نماذج النماذج المساعد روبوت روبوتات برامج المساعدات".split())
AI_ANY = "|".join((AI_EN, AI_FR, AI_ES, AI_DE, AI_PT, AI_AR))
AI_ANY_WORDS = AI_EN_WORDS | AI_FR_WORDS | AI_ES_WORDS | AI_DE_WORDS | AI_PT_WORDS | AI_AR_WORDS
PAGE_EN = r"(?:this|the following|the above) (?:article|page|text|story|post|document|content)"
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


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


Entry = tuple[str, str, frozenset[str], str]  # (language, reason, anchors, pattern)

PATTERNS: tuple[Entry, ...] = (
    # --- English
    (
        "en",
        OVERRIDE,
        _words("ignore disregard forget override bypass"),
        rf"{_START}(?:ignore|disregard|forget|override|bypass)\b[^.!?\n]{{0,40}}?"
        r"\b(?:previous|prior|above|earlier|preceding|foregoing|all|any|your|system|original)"
        r"\b[^.!?\n]{0,20}?\b(?:instructions?|prompts?|directives?)\b",
    ),
    (
        "en",
        ADDRESS,
        AI_EN_WORDS,
        rf"\b(?:note|message|notice|instructions?|memo|reminder|warning)s?\s*(?:to|for)\s+"
        rf"(?:any|all|every|the)?\s*(?:{AI_EN})\b",
    ),
    (
        "en",
        ADDRESS,
        AI_EN_WORDS,
        rf"\b(?:dear|hello|hi|hey|attention)\s*[,:]?\s+(?:any |all )?(?:{AI_EN})\b",
    ),
    (
        "en",
        ADDRESS,
        AI_EN_WORDS,
        rf"\bif you(?: are|'re| were)\s+(?:an?|the|reading this as an?)\s+(?:{AI_EN})\b",
    ),
    ("en", ADDRESS, AI_EN_WORDS, rf"\bas an? (?:{AI_EN}),? you\b"),
    (
        "en",
        ADDRESS,
        AI_EN_WORDS,
        rf"\b(?:{AI_EN})\s+(?:that (?:are|is) )?(?:reading|processing|summari[sz]ing|parsing"
        rf"|scraping|crawling|analy[sz]ing|indexing|ingesting)\s+{PAGE_EN}",
    ),
    (
        "en",
        ADDRESS,
        _words("summarise summarize summarising summarizing summary"),
        rf"\bwhen (?:you )?(?:summari[sz]e|summari[sz]ing|(?:are )?asked to summari[sz]e"
        rf"|writing (?:a|your) (?:summary|brief) of)\s+{PAGE_EN}",
    ),
    (
        "en",
        ADDRESS,
        _words("summary summaries output"),
        r"\bin your (?:summary|summaries|output)\b",
    ),
    (
        "en",
        MARKER,
        _words("developer dan jailbroken unrestricted"),
        r"\byou are now (?:in )?(?:developer mode|DAN\b|jailbroken|unrestricted)",
    ),
    # --- French
    (
        "fr",
        OVERRIDE,
        _words("ignorez ignore oubliez oublie tenez tiens abstraction"),
        rf"{_START}(?:ignorez|ignore|oubliez|oublie|ne tenez pas compte des?"
        r"|ne tiens pas compte des?|faites abstraction des?)\b[^.!?\n]{0,40}?"
        r"\b(?:instructions|consignes|directives)\s+(?:pr[ée]c[ée]dentes|ant[ée]rieures"
        r"|ci-dessus|initiales|d'origine|du syst[èe]me)",
    ),
    (
        "fr",
        OVERRIDE,
        _words("ignorez ignore oubliez oublie"),
        rf"{_START}(?:ignorez|ignore|oubliez|oublie)\s+toutes (?:les |tes |vos )"
        r"(?:instructions|consignes)\b",
    ),
    (
        "fr",
        ADDRESS,
        AI_FR_WORDS,
        rf"\b(?:note|message|avis|consigne)s?\s+(?:à|aux|pour)\s+(?:l[ae'] ?|les )?"
        rf"(?:{AI_FR})\b",
    ),
    ("fr", ADDRESS, AI_FR_WORDS, rf"\bsi (?:vous [êe]tes|tu es)\s+(?:une? |l')(?:{AI_FR})\b"),
    (
        "fr",
        ADDRESS,
        AI_FR_WORDS,
        rf"\b(?:à l'attention d(?:es?|u)|cher|chère)\s+(?:{AI_FR})\b",
    ),
    ("fr", ADDRESS, _words("résumé synthèse"), r"\bdans (?:votre|ton) (?:résumé|synthèse)\b"),
    # --- Spanish
    (
        "es",
        OVERRIDE,
        _words("ignora ignore ignoren olvida olvide olviden descarta descarte omite omita caso"),
        rf"{_START}(?:ignora|ignore|ignoren|olvida|olvide|olviden|descarta|descarte|omite"
        r"|omita|haz caso omiso de|haga caso omiso de)\b[^.!?\n]{0,40}?"
        r"\b(?:instrucciones|indicaciones|directrices|órdenes)\s+(?:anteriores|previas"
        r"|de arriba|iniciales|originales|del sistema)",
    ),
    (
        "es",
        OVERRIDE,
        _words("ignora ignore olvida olvide"),
        rf"{_START}(?:ignora|ignore|olvida|olvide)\s+todas las (?:instrucciones|indicaciones)",
    ),
    (
        "es",
        ADDRESS,
        AI_ES_WORDS,
        rf"\b(?:nota|mensaje|aviso)s?\s+(?:para|a)\s+(?:la |las |los |el )?(?:{AI_ES})\b",
    ),
    ("es", ADDRESS, AI_ES_WORDS, rf"\bsi (?:eres|usted es)\s+(?:una? |el |la )(?:{AI_ES})\b"),
    (
        "es",
        ADDRESS,
        AI_ES_WORDS,
        rf"\b(?:querid[ao]|estimad[ao]|atenci[óo]n)\s*,?\s+(?:{AI_ES})\b",
    ),
    ("es", ADDRESS, _words("resumen"), r"\ben tu resumen\b"),
    # --- German
    (
        "de",
        OVERRIDE,
        _words("ignoriere ignorieren vergiss vergessen missachte missachten"),
        rf"{_START}(?:ignoriere|ignorieren Sie|vergiss|vergessen Sie|missachte"
        r"|missachten Sie)\b[^.!?\n]{0,40}?\b(?:vorherigen|bisherigen|obigen|vorangegangenen"
        r"|ursprünglichen|früheren|alle)\s+(?:\w+\s+)?(?:Anweisungen|Instruktionen|Befehle"
        r"|Vorgaben)\b",
    ),
    (
        "de",
        ADDRESS,
        AI_DE_WORDS,
        rf"\b(?:Hinweis|Nachricht|Anweisung)(?:en)?\s+(?:an|für)\s+(?:die |alle |jede )?"
        rf"(?:{AI_DE})\b",
    ),
    (
        "de",
        ADDRESS,
        AI_DE_WORDS,
        rf"\b(?:wenn|falls) (?:du|Sie)\s+(?:eine? )?(?:{AI_DE})\s+(?:bist|sind)\b",
    ),
    ("de", ADDRESS, AI_DE_WORDS, rf"\b(?:liebe[rs]?|hallo)\s*,?\s+(?:{AI_DE})\b"),
    ("de", ADDRESS, _words("zusammenfassung"), r"\bin (?:deiner|Ihrer) Zusammenfassung\b"),
    # --- Portuguese
    (
        "pt",
        OVERRIDE,
        _words("ignore ignora ignorem esqueça esqueca esquece desconsidere desconsidera"),
        rf"{_START}(?:ignore|ignora|ignorem|esque[çc]a|esquece|desconsidere|desconsidera)\b"
        r"[^.!?\n]{0,40}?\b(?:instru[çc][õo]es|ordens|diretrizes)\s+(?:anteriores|acima"
        r"|pr[ée]vias|iniciais|originais|do sistema)",
    ),
    (
        "pt",
        OVERRIDE,
        _words("ignore ignora esqueça esqueca"),
        rf"{_START}(?:ignore|ignora|esque[çc]a)\s+todas as (?:instru[çc][õo]es|ordens)",
    ),
    (
        "pt",
        ADDRESS,
        AI_PT_WORDS,
        rf"\b(?:nota|mensagem|aviso)s?\s+(?:para|à|às|ao|aos)\s+(?:a |as |o |os )?"
        rf"(?:{AI_PT})\b",
    ),
    (
        "pt",
        ADDRESS,
        AI_PT_WORDS,
        rf"\bse (?:você (?:é|for)|[ée]s|tu [ée]s)\s+(?:uma? |o |a )(?:{AI_PT})\b",
    ),
    ("pt", ADDRESS, _words("resumo"), r"\bno teu resumo\b"),
    # --- Arabic (no letter case; \b works on Arabic letters)
    (
        "ar",
        OVERRIDE,
        _words("تجاهل تجاهلي تجاهلوا انس انسى أهمل اهمل"),
        rf"{_START}(?:تجاهل|تجاهلي|تجاهلوا|انس|انسى|أهمل|اهمل)\s+(?:\S+\s+){{0,3}}?"
        r"(?:التعليمات|الأوامر|التوجيهات)\s+(?:\S+\s+)?(?:السابقة|أعلاه|الأصلية|الأولى)",
    ),
    (
        "ar",
        ADDRESS,
        AI_AR_WORDS,
        rf"(?:ملاحظة|رسالة|تعليمات|تنبيه)\s+(?:إلى|الى|ل|لـ)\s*(?:أي |كل |جميع )?(?:{AI_AR})",
    ),
    (
        "ar",
        ADDRESS,
        _words("كنت"),
        rf"إذا كنت\s+(?:\S+\s+)?(?:{AI_AR}|نموذج|ذكاء اصطناعي|مساعد)",
    ),
    ("ar", ADDRESS, _words("ملخصك"), r"في ملخصك"),
    # --- any language: chat templates and prompt markers
    (
        "any",
        MARKER,
        frozenset({"[inst]", "[/inst]", "<|", "<<sys>>", "<</sys>>", "<system>", "</system>"}),
        r"\[/?INST\]|<\|im_(?:start|end)\|>|<\|(?:system|user|assistant)\|>|<</?SYS>>"
        r"|</?system>",
    ),
    (
        "any",
        MARKER,
        _words("system instruction instructions"),
        r"^\s*#{2,}\s*(?:system|instructions?)\b|^\s*system\s*:",
    ),  # fmt: skip
)

# A paragraph wholly inside brackets, braces, angle brackets or an HTML comment, that
# names an automated reader (AI_ANY) and speaks to it (second person, or an imperative).
BRACKETED_PARAGRAPH = r"\A\s*(?:\[.*\]|\{.*\}|<!--.*-->|<[^<>]*>|\(.*\))\s*\Z"
SPOKEN_TO = (
    r"\b(?:you|your|note (?:to|for)|ignore|say|state|write|report|summari[sz]e|describe"
    r"|include|omit|mention|respond|answer|output|print|repeat|tell|vous|tu|usted|du|Sie"
    r"|você|ignorez|dites|écrivez|di|escribe|sag|schreibe|diga|escreva)\b"
)
# An imperative whose subject is an AI reader and whose object is this page: "AI models
# must say that this article is satire."
IMPERATIVE = (
    rf"\b(?:{AI_EN})\b[^.!?\n]{{0,60}}\b(?:must|should|shall|need to|are (?:instructed|"
    rf"asked|required|told) to)\b[^.!?\n]{{0,80}}\b{PAGE_EN}"
)
