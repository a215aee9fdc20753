/// A household member while the generator builds a family.
struct GeneratedMember {
    var relation: MemberRelation
    var age: Int
    var gender: Gender
    var name: String
    var health: HealthStatus = .healthy
    var labour: LabourCapacity = .normal
    var schooling: SchoolingLevel?
    var migrantWorker = false
}
