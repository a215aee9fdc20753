/// Keeps one line of SVG text inside its box. SVG text does not wrap and the renderer cannot measure glyphs,
/// so widths are estimated in em for Noto Sans CJK: a CJK or full-width character is 1 em, an ASCII one
/// 0.6 em (its Latin glyphs are proportional: digits about 0.55, only a few capitals such as W and M wider).
/// For what records hold the estimate errs wide, so a line judged to fit does fit; one judged too wide is
/// squeezed to its box with `textLength` (which, where the estimate erred, stretches it by that error and
/// no more), and one that would need squeezing below `narrowest` is first cut short with "…".
enum TextFit {
    /// The narrowest a line may be squeezed to, as a share of its natural width: below it, glyphs blur
    /// together when printed at 9 pt.
    static let narrowest = 0.7

    /// The estimated width of `text` in em.
    static func ems(_ text: String) -> Double {
        text.unicodeScalars.reduce(0) { sum, scalar in sum + (scalar.isASCII ? 0.6 : 1) }
    }

    /// `text` made fit for XML and for a box `width` mm wide: as it is, squeezed to the box (`squeeze`, the
    /// `textLength` in mm), or cut with "…" so that, squeezed to `narrowest`, it fills the box.
    static func fitted(_ text: String, within width: Double, fontSize: Double) -> (text: String, squeeze: Double?) {
        let text = xmlCharacters(text)
        let limit = width / fontSize
        let natural = ems(text)
        guard natural > limit else { return (text, nil) }
        guard natural * narrowest > limit else { return (text, width) }
        // Walks forward, not back from the end: a note may be long, and this stays linear.
        var kept = "", used = 1.0
        for character in text {
            let next = ems(String(character))
            if (used + next) * narrowest > limit { break }
            kept.append(character)
            used += next
        }
        return (kept + "…", width)
    }

    /// XML 1.0 refuses most control characters even as references, and an SVG that does not parse shows
    /// nothing; HTML tolerated them. They become U+FFFD, as a decoder shows a byte it cannot read.
    static func xmlCharacters(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { !isXMLCharacter($0) }) else { return text }
        var cleaned = String.UnicodeScalarView()
        for scalar in text.unicodeScalars { cleaned.append(isXMLCharacter(scalar) ? scalar : "\u{FFFD}") }
        return String(cleaned)
    }

    /// The `Char` production of XML 1.0 §2.2 (a Swift string holds no surrogates).
    private static func isXMLCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x9, 0xA, 0xD, 0x20...0xFFFD, 0x10000...0x10FFFF: return true
        default: return false
        }
    }
}
