/// A member's relation to the head of the household (与户主关系).
public enum MemberRelation: String, DomainCode {
    case head, spouse, child, parent, grandchild, sibling, childInLaw, other

    /// The zh-CN name.
    public var displayName: String {
        switch self {
        case .head: return "户主"
        case .spouse: return "配偶"
        case .child: return "子女"
        case .parent: return "父母"
        case .grandchild: return "孙子女"
        case .sibling: return "兄弟姐妹"
        case .childInLaw: return "儿媳/女婿"
        case .other: return "其他"
        }
    }
}
