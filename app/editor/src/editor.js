// The designer's code editor: CodeMirror 6 behind a small global API, `window.StatehouseEditor`,
// which the Rust/wasm side calls. `cargo xtask build` bundles this file with esbuild into
// `<site>/pkg/statehouse-editor.js` (IIFE, minified, es2020).
//
// Every offset is a UTF-16 code unit offset into the text, as CodeMirror counts; the Rust side
// converts from its byte offsets. Editors are named by the number `create` returns.
//
//   create(parent, {text, language: "json" | "yaml", onChange?, onFix?, onUndo?, onRedo?,
//          changeDelayMs? = 100, minChangeDelayMs?, reportFirstAtOnce? = false, readOnly?}) -> id
//                            onChange waits for a pause in typing: changeDelayMs, or, with
//                            minChangeDelayMs, 1 ms per 2,500 characters of text between the
//                            two (a short text is read again sooner; reading it costs less).
//                            With reportFirstAtOnce, a change made after such a pause since the
//                            last report is reported at once, once its frame has been painted,
//                            when it leaves JSON that parses (else, and for YAML, it waits for
//                            the pause); changes that follow it within the pause wait for the
//                            next pause
//                            with onUndo and onRedo, Ctrl/Cmd+Z and Shift+Ctrl/Cmd+Z (or Ctrl+Y)
//                            call them instead of CodeMirror's own history: the page's history
//                            also holds changes made elsewhere (the designer's graph edits)
//   setText(id, text)        replace the document without calling onChange (no-op when equal)
//   getText(id) -> string    the current document
//   setLanguage(id, "json" | "yaml")
//   setDiagnostics(id, [{from, to, severity: "error" | "warning" | "info", message, fix?, problem?}],
//                  {ofReported?})
//                            a diagnostic with a `fix` title offers it in its tooltip as an action,
//                            which calls onFix(problem, fix); diagnostics equal to the ones shown
//                            (where edits since moved them) change nothing; with ofReported, the
//                            positions are in the text last reported to onChange (or set by
//                            setText), and what was typed since moves them
//   select(id, from, to)     select, scroll into view, focus
//   reveal(id, from, to, top) mark the lines of from..to (none when to <= from) and, unless the
//                            editor has the focus, scroll them into view (their first line to the
//                            top when `top`, else only as far as needed); selection and focus stay
//   flush(id) -> bool        call a pending (debounced) onChange now; whether there was one
//   destroy(id)              remove the editor; a pending onChange is dropped (flush first to keep it)

import { basicSetup } from "codemirror";
import { json } from "@codemirror/lang-json";
import { yaml } from "@codemirror/lang-yaml";
import { forEachDiagnostic, lintGutter, setDiagnostics } from "@codemirror/lint";
import { Annotation, Compartment, EditorSelection, EditorState, Prec, StateEffect, StateField, Transaction } from "@codemirror/state";
import { Decoration, EditorView, keymap } from "@codemirror/view";
import { HighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { tags } from "@lezer/highlight";

const DEFAULT_CHANGE_DELAY_MS = 100;
/** With `minChangeDelayMs`, the pause before onChange grows by 1 ms per this many characters. */
const CHARACTERS_PER_MS = 2_500;
const SEVERITIES = ["error", "warning", "info"];

/** Marks the transactions `setText` makes, so they do not reach onChange. */
const fromOutside = Annotation.define();

/** The language extension for a language name; anything else is an error. */
function languageSupport(language) {
  if (language === "json") return json();
  if (language === "yaml") return yaml();
  throw new TypeError(`StatehouseEditor: language must be "json" or "yaml", not ${JSON.stringify(language)}`);
}

// Colours come from the page's CSS variables (style/main.css), so the editor follows the
// page's light or dark scheme; the fallbacks are the light ones.
const theme = EditorView.theme({
  // Fill the parent, scroll inside.
  "&": {
    height: "100%",
    backgroundColor: "var(--card, #ffffff)",
    color: "var(--ink, #1c2430)",
    fontSize: "13px",
  },
  ".cm-scroller": {
    overflow: "auto",
    fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace',
  },
  ".cm-content": { caretColor: "var(--ink, #1c2430)" },
  ".cm-cursor, .cm-dropCursor": { borderLeftColor: "var(--ink, #1c2430)" },
  "&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground, .cm-content ::selection":
    { backgroundColor: "var(--code-selection, #d7d4f0)" },
  ".cm-activeLine": { backgroundColor: "var(--code-active-line, rgba(47, 91, 211, 0.05))" },
  ".cm-activeLineGutter": { backgroundColor: "var(--code-active-line, rgba(47, 91, 211, 0.05))" },
  ".cm-foldPlaceholder": { backgroundColor: "var(--paper, #f7f8fa)", color: "var(--ink-soft, #5a6577)", border: "1px solid var(--line, #dfe3ea)" },
  ".cm-panels": { backgroundColor: "var(--paper, #f7f8fa)", color: "var(--ink, #1c2430)" },
  ".cm-tooltip": { backgroundColor: "var(--card, #ffffff)", color: "var(--ink, #1c2430)", border: "1px solid var(--line, #dfe3ea)" },
  // A focus ring as visible as the rest of the app's (`--focus` in style/main.css). It is
  // drawn inside the editor, over the gutters (an outline would be painted under them), so a
  // parent that clips its overflow does not hide it.
  "&.cm-focused": { outline: "none" },
  "&.cm-focused::after": {
    content: '""',
    position: "absolute",
    inset: "0",
    boxSizing: "border-box",
    border: "3px solid var(--focus, #f2a900)",
    pointerEvents: "none",
    zIndex: "300",
  },
  ".cm-gutters": {
    backgroundColor: "var(--paper, #f7f8fa)",
    color: "var(--ink-soft, #5a6577)",
    borderRight: "1px solid var(--line, #dfe3ea)",
  },
});

/** JSON and YAML tokens, coloured by the page's `--code-*` variables. */
const highlighting = syntaxHighlighting(
  HighlightStyle.define([
    { tag: [tags.propertyName, tags.definition(tags.propertyName)], color: "var(--code-key, #0b4f8a)" },
    { tag: [tags.string, tags.special(tags.string), tags.content], color: "var(--code-string, #a31515)" },
    { tag: tags.number, color: "var(--code-number, #116644)" },
    { tag: [tags.bool, tags.null, tags.atom, tags.keyword], color: "var(--code-literal, #3a3ab8)" },
    { tag: [tags.comment, tags.meta], color: "var(--code-comment, #6a7385)", fontStyle: "italic" },
    { tag: [tags.punctuation, tags.separator, tags.brace, tags.squareBracket], color: "var(--ink-soft, #5a6577)" },
    { tag: tags.invalid, color: "var(--code-invalid, #c53030)" },
  ]),
);

/** The editors alive on this page, by id. */
const editors = new Map();
let nextId = 1;

function editorById(id) {
  const editor = editors.get(id);
  if (!editor) throw new Error(`StatehouseEditor: no editor with id ${JSON.stringify(id)}`);
  return editor;
}

/** A whole number in [0, max]; anything that is not a finite number counts as 0. */
function clamp(value, max) {
  const number = Math.trunc(Number(value));
  if (!Number.isFinite(number) || number < 0) return 0;
  return Math.min(number, max);
}

function cancelPendingChange(editor) {
  if (editor.timer !== null) {
    clearTimeout(editor.timer);
    editor.timer = null;
  }
  if (editor.frame !== null) {
    cancelAnimationFrame(editor.frame);
    editor.frame = null;
  }
}

/** The lines `reveal` marks (the selected state's), kept in place through edits. */
const setRevealed = StateEffect.define();
const revealedLine = Decoration.line({ class: "cm-revealed" });
const revealed = StateField.define({
  create: () => Decoration.none,
  update(lines, transaction) {
    let next = lines.map(transaction.changes);
    for (const effect of transaction.effects) if (effect.is(setRevealed)) next = effect.value;
    return next;
  },
  provide: (field) => EditorView.decorations.from(field),
});

function create(parent, options) {
  if (!(parent instanceof HTMLElement)) throw new TypeError("StatehouseEditor.create: parent must be an element");
  const { text = "", language = "json", onChange, onFix, onUndo, onRedo, readOnly = false, reportFirstAtOnce = false } =
    options ?? {};
  const delay = Number(options?.changeDelayMs);
  const minDelay = Number(options?.minChangeDelayMs);
  const id = nextId++;
  const editor = {
    view: null,
    language,
    languageCompartment: new Compartment(),
    onChange: typeof onChange === "function" ? onChange : null,
    onFix: typeof onFix === "function" ? onFix : null,
    changeDelayMs: Number.isFinite(delay) && delay >= 0 ? delay : DEFAULT_CHANGE_DELAY_MS,
    minChangeDelayMs: null,
    reportFirstAtOnce: Boolean(reportFirstAtOnce),
    // A pending report: a timer, or (a first change reported at once) the frame it waits for.
    timer: null,
    frame: null,
    // When the last report's onChange returned.
    reportedAt: -Infinity,
    // The edits typed since the text the page last had (reported, or given by setText): a
    // ChangeSet, or null for none. Diagnostics the page found in that text are moved by them.
    sinceReport: null,
  };
  if (Number.isFinite(minDelay) && minDelay >= 0) editor.minChangeDelayMs = Math.min(minDelay, editor.changeDelayMs);
  const trackChanges = EditorView.updateListener.of((update) => {
    if (!update.docChanged) return;
    if (update.transactions.some((transaction) => transaction.annotation(fromOutside))) editor.sinceReport = null;
    else editor.sinceReport = editor.sinceReport ? editor.sinceReport.compose(update.changes) : update.changes;
  });
  const reportChanges = EditorView.updateListener.of((update) => {
    if (!editor.onChange || !update.docChanged) return;
    if (update.transactions.every((transaction) => transaction.annotation(fromOutside))) return;
    const pause =
      editor.minChangeDelayMs === null
        ? editor.changeDelayMs
        : Math.min(editor.changeDelayMs, Math.max(editor.minChangeDelayMs, update.state.doc.length / CHARACTERS_PER_MS));
    const quiet = editor.timer === null && editor.frame === null && performance.now() - editor.reportedAt >= pause;
    cancelPendingChange(editor);
    if (editor.reportFirstAtOnce && quiet) {
      // The first change after a pause (a paste, a word replaced, one key) is reported in the
      // task after the frame that paints it, so the key is shown before the page's work on it.
      editor.frame = requestAnimationFrame(() => {
        editor.frame = null;
        editor.timer = setTimeout(() => {
          editor.timer = null;
          const text = editor.view.state.doc.toString();
          // A first key that leaves the text unreadable (the quote that opens a new key, a
          // comma) waits for the pause like the rest of its burst: reporting it would mark an
          // error in the middle of the typing that is about to fix it.
          if (readable(editor.language, text)) report(editor, text);
          else editor.timer = setTimeout(() => flush(id), pause);
        }, 0);
      });
    } else {
      editor.timer = setTimeout(() => flush(id), pause);
    }
  });
  // The page's undo history instead of CodeMirror's, when the page has one: text typed here and
  // edits made elsewhere are then undone in one order, the order they were made in.
  // The keys are read as the page's own shortcuts read them (`z` with or without Shift, as
  // keyboards and layouts report it), not by CodeMirror's names, which treat Ctrl+Shift+z
  // reported as a lowercase `z` as Ctrl+z.
  const pageHistory = [];
  if (typeof onUndo === "function" && typeof onRedo === "function") {
    pageHistory.push({
      any(_view, event) {
        if (!(event.ctrlKey || event.metaKey) || event.altKey) return false;
        const key = event.key.toLowerCase();
        const answer = key === "z" ? (event.shiftKey ? onRedo : onUndo) : key === "y" && !event.shiftKey ? onRedo : null;
        if (!answer) return false;
        event.preventDefault();
        answer();
        return true;
      },
    });
  }
  editor.view = new EditorView({
    parent,
    state: EditorState.create({
      doc: String(text),
      extensions: [
        basicSetup,
        lintGutter(),
        editor.languageCompartment.of(languageSupport(language)),
        EditorState.readOnly.of(Boolean(readOnly)),
        theme,
        highlighting,
        revealed,
        trackChanges,
        reportChanges,
        Prec.highest(keymap.of(pageHistory)),
      ],
    }),
  });
  editors.set(id, editor);
  return id;
}

function setText(id, text) {
  const editor = editorById(id);
  const view = editor.view;
  const next = String(text);
  const current = view.state.doc.toString();
  if (current === next) return;
  // Replace only the part that differs, so the selection and the scroll position stay with
  // the text around them.
  let start = 0;
  const shorter = Math.min(current.length, next.length);
  while (start < shorter && current.charCodeAt(start) === next.charCodeAt(start)) start++;
  let end = 0;
  while (
    end < shorter - start &&
    current.charCodeAt(current.length - 1 - end) === next.charCodeAt(next.length - 1 - end)
  ) {
    end++;
  }
  const changes = view.state.changes({
    from: start,
    to: current.length - end,
    insert: next.slice(start, next.length - end),
  });
  // The user's pending edit is overwritten by this text; do not report it afterwards.
  cancelPendingChange(editor);
  view.dispatch({
    changes,
    effects: view.scrollSnapshot().map(changes),
    annotations: [fromOutside.of(true), Transaction.addToHistory.of(false)],
  });
}

function getText(id) {
  return editorById(id).view.state.doc.toString();
}

function setLanguage(id, language) {
  const editor = editorById(id);
  if (editor.language === language) return;
  const support = languageSupport(language);
  editor.language = language;
  editor.view.dispatch({ effects: editor.languageCompartment.reconfigure(support) });
}

function setEditorDiagnostics(id, diagnostics, options) {
  const editor = editorById(id);
  const view = editor.view;
  const doc = view.state.doc;
  // Found in the text the page last had: moved by what was typed since, so that a check that
  // ends while keys wait for the pause marks the text it found, not a few characters beside it.
  const since = options?.ofReported ? editor.sinceReport : null;
  const shown = Array.from(diagnostics ?? [], (diagnostic) => {
    let from = clamp(diagnostic.from, since ? since.length : doc.length);
    let to = clamp(diagnostic.to, since ? since.length : doc.length);
    if (to < from) [from, to] = [to, from];
    if (since) {
      from = since.mapPos(from, 1);
      to = Math.max(from, since.mapPos(to, -1));
    }
    if (from === to) {
      // An empty range draws nothing: cover the character after it, or at the end of a line
      // the one before it. Only an empty line keeps the empty range (lint draws a point).
      const line = doc.lineAt(from);
      if (to < line.to) to += 1;
      else if (from > line.from) from -= 1;
    }
    const severity = SEVERITIES.includes(diagnostic.severity) ? diagnostic.severity : "error";
    const shown = { from, to, severity, message: String(diagnostic.message ?? "") };
    if (typeof diagnostic.fix === "string" && editor.onFix) {
      const { fix, problem } = diagnostic;
      shown.actions = [{ name: `Quick fix: ${fix}`, apply: () => editor.onFix(problem, fix) }];
      shown.fix = `${problem}:${fix}`;
    }
    return shown;
  });
  // An edit moves the shown diagnostics with the text, so after typing they are often the ones
  // found again. Dispatching them anyway would redraw the editor's lines and selection.
  const key = (from, to, diagnostic) => `${from} ${to} ${diagnostic.severity} ${diagnostic.fix ?? ""} ${diagnostic.message}`;
  const current = [];
  forEachDiagnostic(view.state, (diagnostic, from, to) => current.push(key(from, to, diagnostic)));
  const next = shown.map((diagnostic) => key(diagnostic.from, diagnostic.to, diagnostic));
  current.sort();
  next.sort();
  if (current.length === next.length && current.every((value, index) => value === next[index])) return;
  view.dispatch(setDiagnostics(view.state, shown));
}

function select(id, from, to) {
  const view = editorById(id).view;
  const length = view.state.doc.length;
  const range = EditorSelection.range(clamp(from, length), clamp(to, length));
  view.dispatch({
    selection: EditorSelection.create([range]),
    effects: EditorView.scrollIntoView(range, { y: "center" }),
  });
  view.focus();
}

function reveal(id, from, to, top) {
  const view = editorById(id).view;
  const doc = view.state.doc;
  const start = clamp(from, doc.length);
  const end = clamp(to, doc.length);
  const effects = [];
  let lines = Decoration.none;
  if (end > start) {
    const marks = [];
    for (let line = doc.lineAt(start); ; line = doc.line(line.number + 1)) {
      marks.push(revealedLine.range(line.from));
      if (line.to >= end || line.number === doc.lines) break;
    }
    lines = Decoration.set(marks);
    // The whole state when it fits (its lines, not just the first at the bottom edge);
    // its start when it does not (the range's head, which CodeMirror keeps in view).
    const whole = EditorSelection.range(end, start);
    if (!view.hasFocus) effects.push(EditorView.scrollIntoView(whole, { y: top ? "start" : "nearest", yMargin: 24 }));
  }
  effects.unshift(setRevealed.of(lines));
  view.dispatch({ effects });
}

function flush(id) {
  const editor = editorById(id);
  if (editor.timer === null && editor.frame === null) return false;
  cancelPendingChange(editor);
  report(editor, editor.view.state.doc.toString());
  return true;
}

function report(editor, text) {
  editor.sinceReport = null;
  editor.onChange(text);
  editor.reportedAt = performance.now();
}

/** Whether a first change may be reported at once: JSON that parses (YAML always waits). */
function readable(language, text) {
  if (language !== "json") return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function destroy(id) {
  const editor = editors.get(id);
  if (!editor) return;
  cancelPendingChange(editor);
  editor.view.destroy();
  editors.delete(id);
}

window.StatehouseEditor = Object.freeze({
  create,
  setText,
  getText,
  setLanguage,
  setDiagnostics: setEditorDiagnostics,
  select,
  reveal,
  flush,
  destroy,
});
