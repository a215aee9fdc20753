/// Word lists for plausible synthetic Chinese names of people and places.
enum ChineseNames {
    // Common surnames with rough population weights (per mille); 韦, 岑, 班, 龙 for the Buyi and Miao
    // counties of southern Guizhou that the default county code names.
    static let surnames: [(String, Double)] = [
        ("王", 71), ("李", 70), ("张", 67), ("刘", 54), ("陈", 45), ("杨", 32), ("黄", 22), ("赵", 20),
        ("吴", 18), ("周", 17), ("徐", 13), ("孙", 12), ("马", 11), ("朱", 11), ("胡", 10), ("郭", 9.5),
        ("何", 9), ("高", 9), ("林", 9), ("罗", 8.5), ("郑", 8), ("梁", 7.5), ("谢", 6), ("宋", 5.5),
        ("唐", 5), ("许", 5), ("韩", 4.5), ("冯", 4.5), ("邓", 4.5), ("曹", 4), ("彭", 4), ("曾", 4),
        ("肖", 4), ("田", 3.5), ("董", 3.5), ("袁", 3.5), ("潘", 3), ("于", 3), ("蒋", 3), ("蔡", 3),
        ("余", 3), ("杜", 3), ("叶", 3), ("程", 3), ("苏", 2.5), ("魏", 2.5), ("吕", 2.5), ("丁", 2.5),
        ("任", 2.5), ("沈", 2.5), ("姚", 2), ("卢", 2), ("姜", 2), ("崔", 2), ("钟", 2), ("谭", 2),
        ("陆", 2), ("汪", 2), ("范", 2), ("金", 2), ("石", 2), ("廖", 2), ("贾", 2), ("夏", 2),
        ("韦", 6), ("岑", 2), ("班", 2), ("龙", 3), ("黎", 1.5),
    ]
    static let surnameWeights = surnames.map(\.1)

    static let maleCharacters = Array("国建明伟军华平志勇强文德海林成杰光福永贵金荣兵新春忠祥东刚富昌发云宏俊波涛鹏辉").map(String.init)
    static let femaleCharacters = Array("秀英华兰芳玉珍梅丽凤桂红霞艳燕琴萍娟敏静婷莲花云娥菊仙美春丹").map(String.init)
    static let placeCharacters = Array("者楼秧坝弼丫岩冗渡庆巧双江百口达央威旺板坡坪寨河山田平安新龙石桥洞沟湾塘松花马牛羊水溪凉高纳拉乐弄布孟那洪桐").map(String.init)

    static func surname(_ rng: inout SplitMix64) -> String {
        surnames[rng.weightedIndex(surnameWeights)].0
    }

    static func givenName(_ gender: Gender, _ rng: inout SplitMix64) -> String {
        let characters = gender == .male ? maleCharacters : femaleCharacters
        let first = rng.pick(characters)
        return rng.chance(0.3) ? first : first + rng.pick(characters)
    }

    static func placeName(_ rng: inout SplitMix64) -> String {
        rng.pick(placeCharacters) + rng.pick(placeCharacters)
    }
}
