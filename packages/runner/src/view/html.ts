/** HTML pieces report.html is built of: escaping, labels in both languages, tables and sections. */
import { label } from './i18n.ts';

/** Escapes text for HTML element content and attribute values. */
export function esc(text: string | number): string {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A label in both languages; CSS shows the one the page is in. */
export function bi(key: string): string {
  return `<span class="bi"><span lang="zh-CN">${esc(label(key, 'zh'))}</span><span lang="en">${esc(label(key, 'en'))}</span></span>`;
}

/** Text given in both languages (not from the label table); CSS shows the one the page is in. */
export function biText(zh: string, en: string): string {
  return `<span class="bi"><span lang="zh-CN">${esc(zh)}</span><span lang="en">${esc(en)}</span></span>`;
}

export function table(head: string[], rows: string[][], cls = ''): string {
  return `<table class="${cls}"><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

export function section(id: string, titleKey: string, body: string): string {
  return `<section id="${id}"><h2>${bi(titleKey)}</h2>${body}</section>`;
}

export const fmtBytes = (n: number) => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : n >= 1024 ? `${(n / 1024).toFixed(0)} KB` : `${n} B`);
