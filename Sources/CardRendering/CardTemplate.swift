/// The printed 明白卡 (DESIGN §5): one Mustache template for A4 and A5, print CSS, every value escaped
/// (`{{…}}`; only the QR's SVG, which the renderer builds itself, goes in unescaped).
enum CardTemplate {
    static let html = """
    <!DOCTYPE html>
    <html lang="zh-CN">
    <head>
    <meta charset="utf-8">
    <title>帮扶明白卡 {{householdNo}}</title>
    <style>
    @page { size: {{paper}}; margin: 12mm; }
    * { box-sizing: border-box; }
    body { font-family: "Noto Sans CJK SC", "Noto Serif CJK SC", sans-serif; font-size: {{fontSize}}; color: #000; margin: 0; padding: 0 0.5mm; }
    h1 { font-size: 1.6em; text-align: center; margin: 0 0 4mm; letter-spacing: 0.2em; }
    table { width: 100%; table-layout: fixed; border-collapse: collapse; margin-bottom: 3mm; }
    th, td { border: 0.3mm solid #000; padding: 0.9mm 2mm; text-align: left; vertical-align: top; }
    th { background: #eee; }
    td, th { overflow-wrap: anywhere; }
    .number { white-space: nowrap; overflow-wrap: normal; font-variant-numeric: tabular-nums; }
    .section { font-weight: bold; margin: 2mm 0 1mm; }
    .top { display: flex; justify-content: space-between; align-items: flex-end; margin-bottom: 3mm; }
    .qr { width: {{qrSize}}; height: {{qrSize}}; }
    .qr svg { width: 100%; height: 100%; display: block; }
    .hotline { font-size: 1.2em; font-weight: bold; }
    @media print { body { -webkit-print-color-adjust: exact; print-color-adjust: exact; } }
    </style>
    </head>
    <body>
    <h1>帮扶明白卡</h1>
    <div class="top">
    <div>
    <div class="hotline">监督举报电话：{{hotline}}</div>
    <div>发卡日期：{{issuedOn}}　卡号：{{cardId}}</div>
    <div>扫码核验本卡是否与档案一致（账实相符）</div>
    </div>
    <div class="qr">{{{qrSVG}}}</div>
    </div>
    <table>
    <tr><th>户编号</th><td class="number">{{householdNo}}</td><th>户主</th><td>{{headName}}</td></tr>
    <tr><th>住址</th><td colspan="3">{{address}}</td></tr>
    <tr><th>致贫原因</th><td>{{causes}}</td><th>帮扶状态</th><td>{{status}}{{#monitoringCategory}}（{{monitoringCategory}}）{{/monitoringCategory}}</td></tr>
    </table>
    <div class="section">家庭成员</div>
    <table>
    <tr><th>姓名</th><th>与户主关系</th><th>身份证号</th><th>文化程度</th></tr>
    {{#members}}<tr><td>{{name}}</td><td>{{relation}}</td><td class="number">{{idNumber}}</td><td>{{schooling}}</td></tr>
    {{/members}}</table>
    <div class="section">收入情况（元/年）</div>
    <table>
    {{#incomeRows}}<tr><th>{{label1}}</th><td>{{amount1}}</td><th>{{label2}}</th><td>{{amount2}}</td></tr>
    {{/incomeRows}}<tr><th>家庭纯收入</th><td>{{netIncome}}</td><th>人均纯收入</th><td>{{perCapitaNetIncome}}</td></tr>
    </table>
    <div class="section">两不愁三保障及饮水安全</div>
    <table>
    <tr>{{#checks}}<th>{{label}}</th>{{/checks}}</tr>
    <tr>{{#checks}}<td>{{value}}</td>{{/checks}}</tr>
    </table>
    <div class="section">享受政策</div>
    <table>
    {{#policies}}<tr><th>{{label}}</th><td>{{amount}}{{#note}}（{{note}}）{{/note}}</td></tr>
    {{/policies}}{{^policies}}<tr><td>无</td></tr>{{/policies}}
    </table>
    <div class="section">帮扶措施</div>
    <table>
    {{#measures}}<tr><td>{{text}}</td></tr>
    {{/measures}}{{^measures}}<tr><td>无</td></tr>{{/measures}}
    </table>
    <div class="section">帮扶责任人</div>
    <table>
    {{#helpers}}<tr><th>{{name}}</th><td>{{unit}}</td><td>{{phone}}</td></tr>
    {{/helpers}}</table>
    </body>
    </html>
    """
}
