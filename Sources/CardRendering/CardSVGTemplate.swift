/// The 明白卡 as one SVG document (DESIGN §5), A4 or A5 in millimetres: the same things as the HTML page, as
/// text lines placed by `CardSVGLayout`, and the QR nested as its own `<svg>`. Every value is escaped
/// (`{{…}}`, whose HTML escaping covers XML's `&`, `<`, `>`, `"` and `'`); only the QR's SVG, which the
/// renderer builds itself from the modules, goes in unescaped. A value from the records is a `text` with,
/// when it had to be squeezed into its column, a `squeeze`: the `fit` partial turns that into `textLength`.
enum CardSVGTemplate {
    /// The partial that squeezes a value to its column.
    static let fit = #"{{#squeeze}} textLength="{{squeeze}}" lengthAdjust="spacingAndGlyphs"{{/squeeze}}"#

    /// Printed under the QR.
    static let scanNote = "扫码核验本卡是否与档案一致（账实相符）"

    static let svg = """
    <?xml version="1.0" encoding="UTF-8"?>
    <svg xmlns="http://www.w3.org/2000/svg" xml:lang="zh-CN" width="{{width}}mm" height="{{height}}mm" viewBox="0 0 {{width}} {{height}}" font-family="'Noto Sans CJK SC', 'Noto Serif CJK SC', sans-serif" font-size="{{fontSize}}">
    <title>帮扶明白卡 {{titleText}}</title>
    <style>
    text { fill: #000; }
    .b { font-weight: bold; }
    .r { text-anchor: end; }
    .m { text-anchor: middle; }
    line { stroke: #000; stroke-width: 0.3; }
    </style>
    <rect width="{{width}}" height="{{height}}" fill="#fff"/>
    <text class="b m" x="{{titleX}}" y="{{titleY}}" font-size="{{titleSize}}" letter-spacing="1.5">帮扶明白卡</text>
    <svg x="{{qrX}}" y="{{qrY}}" width="{{qrSize}}" height="{{qrSize}}">{{{qrSVG}}}</svg>
    {{#scanNote}}<text class="m" x="{{scanX}}" y="{{scanY}}" font-size="{{smallSize}}"{{> fit}}>{{text}}</text>{{/scanNote}}
    <text class="b" x="{{left}}" y="{{hotlineY}}" font-size="{{hotlineSize}}">监督举报电话：{{#hotline}}<tspan{{> fit}}>{{text}}</tspan>{{/hotline}}</text>
    <text x="{{left}}" y="{{issuedY}}"><tspan class="b">发卡日期：</tspan>{{issuedOn}}</text>
    <text x="{{left}}" y="{{cardY}}"><tspan class="b">卡号：</tspan>{{#cardId}}<tspan{{> fit}}>{{text}}</tspan>{{/cardId}}</text>
    <text x="{{left}}" y="{{householdY}}"><tspan class="b">户编号：</tspan>{{#householdNo}}<tspan{{> fit}}>{{text}}</tspan>{{/householdNo}}</text>
    <text x="{{headX}}" y="{{householdY}}"><tspan class="b">户主：</tspan>{{#headName}}<tspan{{> fit}}>{{text}}</tspan>{{/headName}}</text>
    <text x="{{left}}" y="{{addressY}}"><tspan class="b">住址：</tspan>{{#address}}<tspan{{> fit}}>{{text}}</tspan>{{/address}}</text>
    <text x="{{left}}" y="{{villageY}}"><tspan class="b">行政村代码：</tspan>{{#village}}<tspan{{> fit}}>{{text}}</tspan>{{/village}}</text>
    <text x="{{left}}" y="{{causesY}}"><tspan class="b">致贫原因：</tspan>{{#causes}}<tspan{{> fit}}>{{text}}</tspan>{{/causes}}</text>
    <text x="{{left}}" y="{{statusY}}"><tspan class="b">帮扶状态：</tspan>{{#status}}<tspan{{> fit}}>{{text}}</tspan>{{/status}}{{#monitoringCategory}}（<tspan{{> fit}}>{{text}}</tspan>）{{/monitoringCategory}}</text>
    {{#members}}
    <text class="b" x="{{left}}" y="{{titleY}}">家庭成员</text>
    <line x1="{{left}}" x2="{{right}}" y1="{{ruleY}}" y2="{{ruleY}}"/>
    <text class="b" y="{{headerY}}"><tspan x="{{nameX}}">姓名</tspan><tspan x="{{relationX}}">与户主关系</tspan><tspan x="{{idNumberX}}">身份证号</tspan><tspan x="{{schoolingX}}">文化程度</tspan></text>
    {{#rows}}
    <text y="{{y}}">{{#name}}<tspan x="{{nameX}}"{{> fit}}>{{text}}</tspan>{{/name}}{{#relation}}<tspan x="{{relationX}}"{{> fit}}>{{text}}</tspan>{{/relation}}{{#idNumber}}<tspan x="{{idNumberX}}"{{> fit}}>{{text}}</tspan>{{/idNumber}}{{#schooling}}<tspan x="{{schoolingX}}"{{> fit}}>{{text}}</tspan>{{/schooling}}</text>
    {{/rows}}
    {{#more}}
    <text x="{{left}}" y="{{y}}">……等 {{total}} 人（另有 {{unlisted}} 人未列出，详见户档案）</text>
    {{/more}}
    {{/members}}
    {{#income}}
    <text class="b" x="{{left}}" y="{{titleY}}">收入情况（元/年）</text>
    <line x1="{{left}}" x2="{{right}}" y1="{{ruleY}}" y2="{{ruleY}}"/>
    {{#rows}}
    <text x="{{x}}" y="{{y}}"{{#emphasis}} class="b"{{/emphasis}}>{{label}}</text>{{#amount}}<text class="r{{#emphasis}} b{{/emphasis}}" x="{{amountX}}" y="{{y}}"{{> fit}}>{{text}}</text>{{/amount}}
    {{/rows}}
    {{/income}}
    {{#checks}}
    <text class="b" x="{{left}}" y="{{titleY}}">两不愁三保障及饮水安全</text>
    <line x1="{{left}}" x2="{{right}}" y1="{{ruleY}}" y2="{{ruleY}}"/>
    {{#rows}}
    <text x="{{x}}" y="{{y}}">{{label}}：<tspan class="b">{{value}}</tspan></text>
    {{/rows}}
    {{/checks}}
    {{#policies}}
    <text class="b" x="{{left}}" y="{{titleY}}">享受政策</text>
    <line x1="{{left}}" x2="{{right}}" y1="{{ruleY}}" y2="{{ruleY}}"/>
    {{#rows}}
    <text x="{{x}}" y="{{y}}"><tspan class="b">{{label}}</tspan> {{#amount}}<tspan{{> fit}}>{{text}}</tspan>{{/amount}}{{#note}}（<tspan{{> fit}}>{{text}}</tspan>）{{/note}}</text>
    {{/rows}}
    {{#none}}
    <text x="{{left}}" y="{{y}}">无</text>
    {{/none}}
    {{/policies}}
    {{#measures}}
    <text class="b" x="{{left}}" y="{{titleY}}">帮扶措施</text>
    <line x1="{{left}}" x2="{{right}}" y1="{{ruleY}}" y2="{{ruleY}}"/>
    {{#rows}}
    <text x="{{left}}" y="{{y}}">{{#text}}<tspan{{> fit}}>{{text}}</tspan>{{/text}}</text>
    {{/rows}}
    {{#more}}
    <text x="{{left}}" y="{{y}}">……等 {{total}} 项（另有 {{unlisted}} 项未列出，详见走访记录）</text>
    {{/more}}
    {{#none}}
    <text x="{{left}}" y="{{y}}">无</text>
    {{/none}}
    {{/measures}}
    {{#helpers}}
    <text class="b" x="{{left}}" y="{{titleY}}">帮扶责任人</text>
    <line x1="{{left}}" x2="{{right}}" y1="{{ruleY}}" y2="{{ruleY}}"/>
    {{#rows}}
    <text y="{{y}}">{{#name}}<tspan class="b" x="{{nameX}}"{{> fit}}>{{text}}</tspan>{{/name}}{{#unit}}<tspan x="{{unitX}}"{{> fit}}>{{text}}</tspan>{{/unit}}{{#phone}}<tspan x="{{phoneX}}"{{> fit}}>{{text}}</tspan>{{/phone}}</text>
    {{/rows}}
    {{#more}}
    <text x="{{left}}" y="{{y}}">……等 {{total}} 人（另有 {{unlisted}} 人未列出，详见户档案）</text>
    {{/more}}
    {{#none}}
    <text x="{{left}}" y="{{y}}">无</text>
    {{/none}}
    {{/helpers}}
    </svg>

    """
}
