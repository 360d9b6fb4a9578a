import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { escapeHtml, html, joinHtml } from '../../../src/ui/html.js';

describe('escapeHtml', () => {
  it('escapes the five markup characters', () => {
    expect(escapeHtml(`<script>alert("x")</script> & 'y'`)).toBe(
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;',
    );
  });
  it('never leaves a markup character in any string', () => {
    fc.assert(
      fc.property(
        fc.string(),
        (s) => !/[<>"']/.test(escapeHtml(s)) && !/&(?!(amp|lt|gt|quot|#39);)/.test(escapeHtml(s)),
      ),
    );
  });
});

describe('html template', () => {
  it('escapes interpolations, also in attributes and arrays', () => {
    const evil = '"><img src=x onerror=alert(1)>';
    const out = html`<a title="${evil}">${[evil, 'ok']}</a>`.value;
    expect(out).toBe(
      '<a title="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;">&quot;&gt;&lt;img src=x onerror=alert(1)&gt;ok</a>',
    );
  });
  it('does not double-escape nested templates', () => {
    const inner = html`<b>${'a&b'}</b>`;
    expect(html`<p>${inner}</p>`.value).toBe('<p><b>a&amp;b</b></p>');
  });
  it('renders null, undefined and false as nothing, numbers as text', () => {
    expect(html`${null}${undefined}${false}${0}${3}`.value).toBe('03');
  });
  it('joinHtml escapes strings and the separator', () => {
    expect(joinHtml(['<a>', html`<b>`], '<,>').value).toBe('&lt;a&gt;&lt;,&gt;<b>');
  });
});
