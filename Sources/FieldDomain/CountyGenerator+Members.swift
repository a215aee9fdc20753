extension CountyGenerator {
    /// A family of `size` with the head first: a spouse for most; older heads live with an adult child, a
    /// child-in-law and grandchildren, younger heads with children and sometimes a parent.
    static func makeFamily(size: Int, _ rng: inout SplitMix64) -> [GeneratedMember] {
        let headGender: Gender = rng.chance(size == 1 ? 0.5 : 0.85) ? .male : .female
        let headAge = size == 1 ? rng.int(in: 50...88) : rng.int(in: 28...76)
        let headSurname = ChineseNames.surname(&rng)
        func person(_ relation: MemberRelation, _ age: Int, _ gender: Gender, _ surname: String, _ rng: inout SplitMix64) -> GeneratedMember {
            GeneratedMember(relation: relation, age: age, gender: gender, name: surname + ChineseNames.givenName(gender, &rng))
        }
        var people = [person(.head, headAge, headGender, headSurname, &rng)]
        var remaining = size - 1
        var familySurname = headSurname
        if remaining > 0 && rng.chance(0.85) {
            let spouseGender: Gender = headGender == .male ? .female : .male
            let spouseSurname = ChineseNames.surname(&rng)
            if spouseGender == .male { familySurname = spouseSurname }
            people.append(person(.spouse, min(95, max(20, headAge + rng.int(in: -6...4))), spouseGender, spouseSurname, &rng))
            remaining -= 1
        }
        if headAge >= 58 {
            var firstChild: GeneratedMember?
            var children = 0
            var hasChildInLaw = false
            while remaining > 0 {
                if firstChild == nil || (children < 2 && rng.chance(0.25)) {
                    let gender: Gender = rng.chance(0.5) ? .male : .female
                    let child = person(.child, max(18, headAge - rng.int(in: 22...32)), gender, familySurname, &rng)
                    people.append(child)
                    if firstChild == nil { firstChild = child }
                    children += 1
                } else if let first = firstChild, !hasChildInLaw, rng.chance(0.7) {
                    let gender: Gender = first.gender == .male ? .female : .male
                    people.append(person(.childInLaw, min(90, max(18, first.age + rng.int(in: -3...3))), gender,
                                         ChineseNames.surname(&rng), &rng))
                    hasChildInLaw = true
                } else if let first = firstChild {
                    let gender: Gender = rng.chance(0.5) ? .male : .female
                    people.append(person(.grandchild, rng.int(in: 0...max(0, min(25, first.age - 20))), gender,
                                         familySurname, &rng))
                }
                remaining -= 1
            }
        } else {
            if remaining > 0 && headAge <= 52 && rng.chance(0.25) {
                let gender: Gender = rng.chance(0.5) ? .male : .female
                let surname = gender == .male ? headSurname : ChineseNames.surname(&rng)
                people.append(person(.parent, min(95, headAge + rng.int(in: 22...30)), gender, surname, &rng))
                remaining -= 1
            }
            while remaining > 0 {
                let gender: Gender = rng.chance(0.5) ? .male : .female
                let age = rng.int(in: max(0, headAge - 40)...max(0, headAge - 20))
                people.append(person(.child, age, gender, familySurname, &rng))
                remaining -= 1
            }
        }
        return people
    }

    /// Health, schooling, labour and migrant work for each member, plausible for the age and consistent with
    /// the household's causes (因病: someone is chronically or seriously ill; 因残: someone is disabled).
    static func assignCircumstances(_ people: inout [GeneratedMember], causes: [PovertyCause], _ rng: inout SplitMix64) {
        for index in people.indices {
            let age = people[index].age
            let weights: [Double] = age >= 60 ? [66, 25, 4, 5] : age >= 18 ? [89, 6, 2, 3] : [96, 2, 1, 1]
            people[index].health = HealthStatus.allCases[rng.weightedIndex(weights)]
            people[index].schooling = schooling(age: age, &rng)
        }
        // The main cause is enforced last so that it holds even in a one-person household; an earlier
        // enforcement is kept where another member can carry the later one.
        for cause in causes.reversed() where cause == .illness || cause == .disability {
            let target: HealthStatus
            if cause == .disability {
                guard !people.contains(where: { $0.health == .disabled }) else { continue }
                target = .disabled
            } else {
                guard !people.contains(where: { $0.health == .chronic || $0.health == .serious }) else { continue }
                target = rng.chance(0.65) ? .chronic : .serious
            }
            let healthy = people.indices.filter { people[$0].health == .healthy }
            let adults = healthy.filter { people[$0].age >= 18 }
            let index = !adults.isEmpty ? rng.pick(adults) : !healthy.isEmpty ? rng.pick(healthy) : 0
            people[index].health = target
        }
        if causes.contains(.education), !people.contains(where: { $0.schooling == .inSchool }),
            let pupil = people.indices.first(where: { (6...22).contains(people[$0].age) })
        {
            people[pupil].schooling = .inSchool
        }
        for index in people.indices {
            let member = people[index]
            people[index].labour = labour(member, &rng)
            people[index].migrantWorker = (member.relation != .head || people.count > 1)
                && (people[index].labour == .normal || people[index].labour == .skilled)
                && (18...55).contains(member.age) && rng.chance(0.45)
        }
    }

    private static func schooling(age: Int, _ rng: inout SplitMix64) -> SchoolingLevel? {
        let adult: [SchoolingLevel] = [.illiterate, .primary, .juniorHigh, .seniorHigh, .college]
        switch age {
        case ..<3: return nil
        case 3...5: return .preschool
        case 6...15: return .inSchool
        case 16...18: return rng.chance(0.75) ? .inSchool : .juniorHigh
        case 19...22: return rng.chance(0.3) ? .inSchool : adult[rng.weightedIndex([0, 0, 60, 30, 10])]
        case 23...39: return adult[rng.weightedIndex([0, 10, 55, 25, 10])]
        case 40...59: return adult[rng.weightedIndex([10, 35, 45, 10, 0])]
        default: return adult[rng.weightedIndex([35, 45, 20, 0, 0])]
        }
    }

    private static func labour(_ member: GeneratedMember, _ rng: inout SplitMix64) -> LabourCapacity {
        if member.age < 16 || member.schooling == .inSchool { return .none }
        switch member.health {
        case .disabled: return rng.chance(0.6) ? .lost : .weak
        case .serious: return rng.chance(0.5) ? .lost : .weak
        default: break
        }
        if member.age >= 70 { return .none }
        if member.age >= 60 { return rng.chance(0.7) ? .weak : .normal }
        if member.health == .chronic { return rng.chance(0.5) ? .weak : .normal }
        return rng.chance(0.2) ? .skilled : .normal
    }
}
