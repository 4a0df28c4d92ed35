"""Which labels are speakers when the front matter declares none: read the conversation as a reader does.

The input is the labels that start lines outside code, in source order. A reader takes a label for a
speaker from what it does in the conversation, not from how often it occurs:

- known names: a product (ChatGPT, Claude…) answers; ``User``/``用户``… ask; ``System``, ``Tool``…;
- a generic assistant word (``Answer``, ``A``, ``AI``, ``Bot``, ``Assistant``, ``助手``…) answers only when
  a user-side label comes right before it (alone in an article it is a prose label);
- an unknown label **asks** when an assistant's label follows it and it is not inside a question (the
  nearest speaker before it is not a user);
- an unknown label **answers** when the nearest speaker before it is a user and a user's label (or the
  end) follows it;
- with no assistant found that way, unknown labels that repeat take turns as before: the first to
  appear asks, the others answer (a transcript between two people);
- any other label only ever sits inside someone's turn: it is content (``French:``, ``Part 1:``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

from site_builder.model import Speaker


def _folded(*names: str) -> frozenset[str]:
    return frozenset(name.casefold() for name in names)


PRODUCT_ASSISTANTS = _folded(
    "ChatGPT", "GPT", "GPT-3", "GPT-3.5", "GPT-4", "GPT-4o", "GPT-5", "o1", "o3", "Claude", "Gemini", "Bard",
    "Copilot", "Bing", "Mistral", "Le Chat", "Mixtral", "LLaMA", "Llama", "Grok", "DeepSeek", "Qwen", "Kimi",
    "Perplexity", "Phind", "ChatGLM", "Baichuan", "Gemma", "Phi", "文心一言", "通义千问", "豆包", "智谱清言",
    "Codex", "Claude Code", "Codex CLI", "Gemini CLI", "Cursor", "Cline", "Aider", "Devin", "Poe", "HuggingChat",
    "Bing Chat", "Copilot Chat", "GitHub Copilot", "NotebookLM", "ERNIE", "ERNIE Bot", "文心", "Doubao", "GLM",
    "Hunyuan", "混元", "腾讯元宝", "元宝", "Kimi Chat", "Le Chat", "Mistral AI", "Llama 2", "Ollama", "LM Studio",
)
GENERIC_ASSISTANTS = _folded("Assistant", "AI", "Bot", "A", "Answer", "Response", "Reply", "Réponse", "IA", "助手",
                             "助理", "模型", "机器人", "智能助手", "回答", "答",
                             # answer / assistant in other languages: es, pt, de, it, nl, ru, ja, ko, tr, pl, vi, id
                             "Respuesta", "Asistente", "Resposta", "Assistente", "Antwort", "Assistent", "Risposta",
                             "Antwoord", "Ответ", "Ассистент", "ИИ", "答え", "アシスタント", "답변", "답", "어시스턴트",
                             "Cevap", "Yanıt", "Asistan", "Odpowiedź", "Asystent", "Trả lời", "Jawaban", "Asisten",
                             "KI", "AI助手")
KNOWN_ASSISTANTS = PRODUCT_ASSISTANTS | GENERIC_ASSISTANTS | _folded("🤖", "💬", "✨")
KNOWN_USERS = _folded("User", "Human", "Me", "You", "Q", "Question", "Prompt", "Moi", "用户", "我", "提问", "问",
                      # question / I / user in other languages: es, pt, de, it, nl, ru, ja, ko, tr, pl, vi, id, fr
                      "Pregunta", "Yo", "Usuario", "Pergunta", "Eu", "Usuário", "Frage", "Ich", "Benutzer", "Nutzer",
                      "Domanda", "Io", "Utente", "Vraag", "Ik", "Gebruiker", "Вопрос", "Я", "Пользователь", "質問",
                      "私", "ユーザー", "僕", "俺", "질문", "나", "사용자", "Soru", "Kullanıcı", "Pytanie", "Ja",
                      "Użytkownik", "Câu hỏi", "Tôi", "Người dùng", "Pertanyaan", "Saya", "Pengguna", "Utilisateur",
                      "Vous", "问题", "提问者", "用戶", "問", "使用者", "提問", "發問", "我的提问", "我的提問", "我的问题",
                      "我的問題", "プロンプト", "質問者", "私の質問", "Промпт", "Запрос", "Pergunta", "Prompt do usuário",
                      "Instrucción", "Consigne", "Anfrage", "Richiesta", "Zapytanie", "İstem", "提示词")
USER_EMOJI = ("👤", "🧑", "🙋", "🗣", "🧑‍💻", "👨‍💻", "👩‍💻", "🙂")
ASSISTANT_EMOJI = ("🤖", "💬", "✨")
"""Marks chat exports and blogs put before each message instead of a name (``👤 How do I…`` / ``🤖 Use…``)."""
KNOWN_USERS |= _folded(*USER_EMOJI)

SECOND_PERSON = _folded("You", "你", "您", "Вы", "Ты", "Du", "Sie", "Tu", "Usted", "Você", "Vous", "あなた", "당신", "Jij",
                        "Sen", "Siz", "Bạn", "Anda", "Kamu", "Tú")
""""You" in several languages: where the post's only other speaker is "I", the text speaks as the AI to its reader."""
FIRST_PERSON = _folded("I", "Me", "我", "Я", "Ich", "Yo", "Eu", "Moi", "Je", "Io", "私", "僕", "나", "저", "Ik", "Ben",
                       "Tôi", "Saya", "Aku")
""""I" in several languages."""

KNOWN_SYSTEM = _folded("System", "系统")
KNOWN_TOOLS = _folded("Tool", "Function", "Observation", "Function call")
# Prose labels that repeat in ordinary articles; they start turns only when declared as speakers.
PROSE_LABELS = _folded(
    "Note", "Notes", "Warning", "Tip", "Example", "Examples", "Output", "Input", "Step", "Update", "Edit",
    "Source", "Sources", "Summary", "Result", "Results", "Error", "Hint", "Important", "Caution", "Todo",
    "Fix", "Solution", "Problem", "Reference", "References", "Date", "Time", "Author", "Title", "Tags",
    "Link", "Links", "See also", "Context", "Topics", "Pros", "Cons", "Usage", "Returns", "Args", "Yes", "No",
)


AI_VOICE = "speaks as I, to you"
"""The reason of the "I" of a text in an AI's voice (``reading.forms.ai_voice``): the doubt about it looks for it."""
ADDRESSED = "addressed as you"
AVATAR = "avatar image"
"""The reason of a speaker marked by its avatar (``reading.avatars``), ``(an AI's)`` added for the AI's."""

_PASSES = 4
"""A reading can hang on a neighbour's (``Alice`` asks once ``Answer`` answers her): passes until nothing
changes, at most this many. Real posts settle in one; a chain of thousands of labels each read through the
next would otherwise take a pass per link."""


@dataclass(frozen=True, slots=True)
class Reading:
    """How a label was read: the speaker, and why (for ``site-builder explain``)."""
    speaker: Speaker
    reason: str
    """``declared``, ``known assistant``, ``known user``, ``known system``, ``known tool``, ``asks``,
    ``answers`` or ``repeated``."""


_NUMBERED = re.compile(r"^(?P<base>\w+?)[ \t]?#?\d{1,3}[.)]?$")
"""A numbered label: ``Q1``, ``A 2``, ``Prompt 3``, ``Response #4``."""
_TIERS = _folded("pro", "flash", "ultra", "nano", "sonnet", "opus", "haiku", "turbo", "mini", "preview", "plus",
                 "large", "medium", "small", "instruct", "chat", "coder", "max", "advanced", "thinking", "reasoner")
_SUFFIXED = re.compile(r"^(?P<base>[^\W\d_][\w.' -]{0,24}?)[ \t]+(?P<word>answer|response|reply|says|said|question|prompt"
                       r"|asks|asked)$")
"""A name and what it gives: ``AI answer``, ``ChatGPT response``, ``My question``."""
_OWNED = re.compile(r"^(?P<base>[^\W\d_][\w.-]*?)[ \t]?(?:의|の|的)[ \t]?(?:\w{1,6})$")
"""A product's answer, in the possessive of Korean, Japanese or Chinese: ``Claude의 설명``, ``ChatGPTの回答``."""
_VERSIONED = re.compile(r"^(?P<base>[^\W\d_][\w]*)(?P<rest>(?:[ \t-]+[\w.]+){1,3})$")
"""A product name with a version or a tier: ``Claude 3.5 Sonnet``, ``GPT-4 Turbo``, ``Gemini Pro``, ``DeepSeek-R1``."""


@lru_cache(maxsize=4096)
def name_role(label: str) -> str | None:
    """The role a known name has on its own (``ChatGPT`` assistant, ``You`` user…), else None. A known name
    numbered (``Q1``, ``Prompt 2``) keeps its role; a product with a version or a tier (``Claude 3.5 Sonnet``,
    ``Gemini Pro``; not ``Claude Shannon``) is that product."""
    key = label.casefold()
    for names, role in ((KNOWN_ASSISTANTS, "assistant"), (KNOWN_USERS, "user"), (KNOWN_SYSTEM, "system"),
                        (KNOWN_TOOLS, "tool")):
        if key in names:
            return role
    numbered = _NUMBERED.match(key)
    if numbered and numbered["base"] in KNOWN_USERS | GENERIC_ASSISTANTS:
        return "user" if numbered["base"] in KNOWN_USERS else "assistant"
    suffixed = _SUFFIXED.match(key)  # `AI answer`, `ChatGPT response`, `My question`, `User prompt`
    if suffixed:
        base, word = suffixed["base"].strip(), suffixed["word"]
        if word in ("answer", "response", "reply", "says", "said") and (base in KNOWN_ASSISTANTS or name_role(base) == "assistant"):
            return "assistant"
        if word in ("question", "prompt", "asks", "asked") and (base in KNOWN_USERS or base in ("my", "the user", "user's")):
            return "user"
    owned = _OWNED.match(key)  # `Claude의 설명`, `ChatGPTの回答`, `ChatGPT的回答`: the product's answer
    if owned and owned["base"] in PRODUCT_ASSISTANTS:
        return "assistant"
    versioned = _VERSIONED.match(key)
    if versioned and versioned["base"] in PRODUCT_ASSISTANTS:
        words = re.split(r"[ \t-]+", versioned["rest"].strip(" \t-"))
        if all(any(c.isdigit() for c in word) or word in _TIERS for word in words):
            return "assistant"
    return None


def known_name(label: str) -> bool:
    return name_role(label) is not None


def infer_speakers(sequence: Sequence[str]) -> dict[str, Reading]:
    """The speakers among ``sequence`` (labels in source order), with their roles and reasons."""
    labels = [label for label in sequence if label.casefold() not in PROSE_LABELS]
    roles = _known_roles(labels)
    generic = [_is_generic(label.casefold()) for label in labels]
    for _ in range(_PASSES):
        if not _grow(labels, generic, roles):
            break
    if not any(role == "assistant" for role, _ in roles.values()):
        roles.update(_repeated_roles(labels, roles))
    if not any(role == "assistant" for role, _ in roles.values()) and len(roles) < 2:
        return {}
    return {label: Reading(Speaker(label, role), reason) for label, (role, reason) in roles.items()}


def pronoun_pair(labels: Sequence[str]) -> tuple[str, str] | None:
    """(the "you" label, the "I" label) when "you" speaks first and "I" answers it, those two are the only pronouns
    and no assistant anyone knows speaks (``**你：**`` / ``**我：**``, ``**Вы:**`` / ``**Я:**``): a guide written in
    the AI's voice, where "I" is the AI and "you" its reader. None otherwise."""
    pronouns = [label for label in labels if label.casefold() in SECOND_PERSON | FIRST_PERSON]
    names = set(pronouns)
    if len(names) != 2 or pronouns[0].casefold() not in SECOND_PERSON or any(
            name_role(label) == "assistant" for label in labels):
        return None
    you, me = pronouns[0], next(label for label in names if label != pronouns[0])
    if me.casefold() not in FIRST_PERSON or not any(a == you and b == me for a, b in zip(pronouns, pronouns[1:])):
        return None
    return you, me


def unnumbered(label: str) -> str:
    """``label`` casefolded without its number (``Q1`` -> ``q``, ``Prompt 2`` -> ``prompt``)."""
    numbered = _NUMBERED.match(label.casefold())
    return numbered["base"] if numbered else label.casefold()


@lru_cache(maxsize=4096)
def _is_generic(key: str) -> bool:
    """A generic assistant word, numbered or not (``Answer``, ``A2``): it answers only right after a user."""
    numbered = _NUMBERED.match(key)
    return key in GENERIC_ASSISTANTS or bool(numbered and numbered["base"] in GENERIC_ASSISTANTS)


def _known_roles(labels: list[str]) -> dict[str, tuple[str, str]]:
    roles: dict[str, tuple[str, str]] = {}
    for label in labels:
        key = label.casefold()
        if key in PRODUCT_ASSISTANTS or (key not in GENERIC_ASSISTANTS and not _is_generic(key)
                                          and name_role(label) == "assistant"):
            roles[label] = ("assistant", "known assistant")
        elif key in KNOWN_USERS or name_role(label) == "user":
            roles[label] = ("user", "known user")
        elif key in KNOWN_SYSTEM:
            roles[label] = ("system", "known system")
        elif key in KNOWN_TOOLS:
            roles[label] = ("tool", "known tool")
    return roles


def _grow(labels: list[str], generic: list[bool], roles: dict[str, tuple[str, str]]) -> bool:
    """One pass of ``asks``/``answers`` over the unclassified labels; True when a label was added.

    ``before`` is the role of the nearest speaker before the label (the turn it would sit in); ``after``
    that of the label right after it. ``generic[i]``: ``labels[i]`` is a generic assistant word."""
    added = False
    before = ""
    last = len(labels) - 1
    for index, label in enumerate(labels):
        known = roles.get(label)
        if known:
            before = known[0]
            continue
        after = roles.get(labels[index + 1], ("", ""))[0] if index < last else ""
        if generic[index]:
            found = ("assistant", "answers") if before == "user" else None
        elif before != "user" and (after == "assistant" or (index < last and generic[index + 1])):
            found = ("user", "asks")
        elif before == "user" and (index == last or after == "user"):
            found = ("assistant", "answers")
        else:
            found = None
        if found:
            roles[label], added, before = found, True, found[0]
    return added


def _repeated_roles(labels: list[str], roles: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """A transcript with no assistant anyone knows: repeated labels take turns, the first one asks."""
    counts: dict[str, int] = {}
    for label in labels:
        if label not in roles and not _is_generic(label.casefold()):
            counts[label] = counts.get(label, 0) + 1
    repeated = [label for label, n in counts.items() if n >= 2]
    if len(repeated) < 2:
        return {}
    has_user = any(role == "user" for role, _ in roles.values())
    result = {}
    for label in repeated:  # in order of first appearance
        result[label] = ("assistant" if has_user else "user", "repeated")
        has_user = True
    return result
