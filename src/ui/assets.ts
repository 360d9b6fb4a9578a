/**
 * The dashboard's only static files, held in memory and looked up by exact path: there is
 * no file system behind `/static/`, so no request path can reach anything else. CSS and JS
 * are separate files because the Content-Security-Policy forbids inline style and script.
 */
export const CSS =
  `
:root{--bg:#f6f7f9;--panel:#fff;--text:#1d2330;--muted:#667085;--line:#e3e6eb;--accent:#2459c9;
--ok:#137a3a;--ok-bg:#e3f4e8;--warn:#8a5a00;--warn-bg:#fdf1d6;--bad:#b42318;--bad-bg:#fde7e5;--idle:#475467;--idle-bg:#eef0f3;
font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:15px;line-height:1.45}
@media (prefers-color-scheme:dark){:root{--bg:#12151b;--panel:#1a1f27;--text:#e6e9ef;--muted:#98a2b3;--line:#2b323d;--accent:#7aa2f7;
--ok:#6fd08c;--ok-bg:#163222;--warn:#f2c14e;--warn-bg:#3a2e12;--bad:#ff8a80;--bad-bg:#3d1a18;--idle:#b8c0cc;--idle-bg:#262c36}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--text)}
a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
header.top{display:flex;flex-wrap:wrap;gap:.5rem 1.25rem;align-items:center;padding:.7rem 1.25rem;background:var(--panel);border-bottom:1px solid var(--line)}
header.top .brand{font-weight:700;letter-spacing:.01em}
header.top .inv{color:var(--muted);font-size:.9em}
header.top nav{display:flex;gap:1rem}
header.top nav a.current{font-weight:600;color:var(--text)}
header.top .tools{margin-left:auto;display:flex;gap:.5rem;align-items:center;font-size:.85em;color:var(--muted)}
.button{display:inline-block;padding:.25rem .7rem;border:1px solid var(--line);border-radius:6px;background:var(--panel);color:var(--text)}
.button.on{border-color:var(--accent);color:var(--accent)}
main{max-width:1200px;margin:0 auto;padding:1rem 1.25rem 3rem}
h1{font-size:1.35rem;margin:.5rem 0 1rem}h2{font-size:1.1rem;margin:1.75rem 0 .5rem}h3{font-size:1rem;margin:1rem 0 .4rem;color:var(--muted);font-weight:600}
.summary{display:flex;flex-wrap:wrap;gap:.5rem;margin-bottom:1rem}
.chip{padding:.3rem .75rem;border-radius:999px;background:var(--panel);border:1px solid var(--line);font-size:.9em}
.chip b{font-variant-numeric:tabular-nums}
.alert{padding:.6rem .9rem;border-radius:8px;margin:.5rem 0;background:var(--bad-bg);color:var(--bad);border:1px solid var(--bad)}
.note{color:var(--muted);font-size:.9em}
.panel{background:var(--panel);border:1px solid var(--line);border-radius:10px;padding:.25rem .75rem .75rem;margin-bottom:1rem;overflow-x:auto}
table{width:100%;border-collapse:collapse;font-size:.93em}
th,td{text-align:left;padding:.45rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
th{color:var(--muted);font-weight:600;font-size:.85em;text-transform:uppercase;letter-spacing:.03em}
tr:last-child td{border-bottom:none}
td.mono,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.88em;word-break:break-all}
.badge{display:inline-block;padding:.05rem .5rem;border-radius:999px;font-size:.82em;font-weight:600;white-space:nowrap}
.s-ok{background:var(--ok-bg);color:var(--ok)}.s-warn{background:var(--warn-bg);color:var(--warn)}
.s-bad{background:var(--bad-bg);color:var(--bad)}.s-idle{background:var(--idle-bg);color:var(--idle)}
pre{margin:0;padding:.75rem;background:var(--bg);border:1px solid var(--line);border-radius:8px;overflow:auto;max-height:70vh;font-size:.82em;line-height:1.4;white-space:pre-wrap;word-break:break-all}
pre .t{color:var(--muted)}pre .err{color:var(--bad)}
pre.diff .add{color:var(--ok);background:var(--ok-bg);display:block}pre.diff .del{color:var(--bad);background:var(--bad-bg);display:block}
.row{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center}
.kv{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:.5rem 0}
.kv dt{color:var(--muted)}.kv dd{margin:0}
.bar{height:.5rem;background:var(--idle-bg);border-radius:4px;overflow:hidden;min-width:6rem}
.bar span{display:block;height:100%;background:var(--accent)}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:1rem}
footer{color:var(--muted);font-size:.8em;text-align:center;padding:1rem}
@media (max-width:700px){
 main{padding:.75rem}
 header.top .tools{margin-left:0;width:100%}
 table.cards thead{display:none}
 table.cards tr{display:block;border-bottom:1px solid var(--line);padding:.4rem 0}
 table.cards tr:last-child{border-bottom:none}
 table.cards td{display:flex;gap:.75rem;border:none;padding:.15rem .25rem}
 table.cards td::before{content:attr(data-label);flex:0 0 5.5rem;color:var(--muted);font-size:.85em}
}
` +
  Array.from({ length: 21 }, (_, i) => `.bar span.w${i * 5}{width:${i * 5}%}`).join('') +
  '\n';

/**
 * The follow toggle: polls the task's log endpoint and rebuilds the <pre> with DOM nodes
 * (textContent only), so container text never becomes markup here either.
 */
export const JS = `
(function(){
  var box=document.getElementById('follow');var pre=document.getElementById('logs');
  if(!box||!pre)return;var timer=null;
  function render(lines){
    var frag=document.createDocumentFragment();
    lines.forEach(function(l){
      if(l.time){var t=document.createElement('span');t.className='t';t.textContent=l.time.slice(11,19)+' ';frag.appendChild(t);}
      var s=document.createElement('span');if(l.stream==='stderr')s.className='err';s.textContent=l.text+'\\n';frag.appendChild(s);
    });
    var atEnd=pre.scrollTop+pre.clientHeight>=pre.scrollHeight-8;
    pre.replaceChildren(frag);pre.setAttribute('data-updated',String(Date.now()));if(atEnd)pre.scrollTop=pre.scrollHeight;
  }
  function tick(){
    fetch(pre.getAttribute('data-src'),{credentials:'same-origin',cache:'no-store'})
      .then(function(r){return r.ok?r.json():null}).then(function(j){if(j&&j.lines)render(j.lines)}).catch(function(){});
  }
  box.addEventListener('change',function(){
    if(timer){clearInterval(timer);timer=null}
    if(box.checked){tick();timer=setInterval(tick,2000)}
  });
  pre.scrollTop=pre.scrollHeight;
})();
`;

export interface Asset {
  type: string;
  body: Buffer;
}

export const ASSETS: ReadonlyMap<string, Asset> = new Map([
  ['/static/app.css', { type: 'text/css; charset=utf-8', body: Buffer.from(CSS) }],
  ['/static/app.js', { type: 'text/javascript; charset=utf-8', body: Buffer.from(JS) }],
]);
