import SyncModel

extension CollectionSchema {
    /// The scope keys of a record (DESIGN §3.5), from its id and fields:
    /// a household is its own `householdId` in its `villageCode`; a member belongs to its `householdId` (and that household's village);
    /// a visit to its `householdId`, `villageCode` and `helperId`; a helper is its own `helperId`; an
    /// assignment to its `householdId`, that household's village and its `helperId`; a region code of 12 digits is a `villageCode`.
    public func scope(recordId: String, fields: [String: JSONValue]) -> RecordScope {
        func string(_ name: String) -> String? { fields[name]?.stringValue }
        switch collection {
        case .households:
            return RecordScope(householdId: recordId, villageCode: string("villageCode"))
        case .members:
            let household = string("householdId")
            return RecordScope(householdId: household, villageCode: household.flatMap(Scope.village(ofHousehold:)))
        case .visits:
            return RecordScope(
                householdId: string("householdId"), villageCode: string("villageCode"), helperId: string("helperId"))
        case .helpers:
            return RecordScope(helperId: recordId)
        case .assignments:
            // The village lets region admins see the assignments of their households.
            let household = string("householdId")
            return RecordScope(householdId: household, villageCode: household.flatMap(Scope.village(ofHousehold:)),
                               helperId: string("helperId"))
        case .regions:
            let code = string("code") ?? recordId
            return RecordScope(villageCode: RegionCode.isVillage(code) ? code : nil)
        }
    }
}
