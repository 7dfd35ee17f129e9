//! The words around a sign that change what it means: idioms that use an
//! emergency's words for something else, negations, the past and resolved,
//! questions about a risk, the present, the writer, conditions and someone
//! else's story. One short pattern a line, on folded text; each list is
//! joined into one expression by [`super::Triager`].

/// Idioms that use an emergency's words for something else; removed
/// before the signs are looked for.
#[rustfmt::skip]
pub(super) const IDIOMS: &[&str] = &[
    r"(the|la|el) (other|otra|otro) (one |leg |side |calf |arm |pierna |lado |brazo )?(is |looks |seems |esta |se ve )?(normal|fine|ok|okay|bien)",
    r"sin querer",
    r"without meaning to",
    r"by accident",
    r"(nearly|almost) had a heart attack (when|at|seeing|because)",
    r"(nearly|almost) (fainted|passed out|died) when (\w+ ){0,3}(said|told|saw|heard|read)",
    r"(nearly|almost) (fainted|passed out|died|collapsed) (when i saw|seeing|looking at|at) (the |your )?(price|prices|bill|cost|invoice|quote)",
    // "this bill gives me a heart attack"
    r"(give|gives|gave|giving) (me|you|him|her) a heart attack",
    r"(gonna give|going to give) (me|you|him|her) a heart attack",
    r"(nearly gave|almost gave) (me|you|him|her) a heart attack",
    r"heart attack (price|prices|bill)",
    r"dying (to|for)",
    r"(is|are|was) killing me",
    r"(is|are|was) (slowly )?killing my (neck|back|shoulders?|knees?|feet|legs?|hips?)",
    r"me va a dar algo",
    r"kill(s|ing)? me (with|when)",
    // "el precio me da un infarto", "le va a dar un ataque": not "a mi padre
    // le dio un infarto" or "le dio un ataque epileptico"
    r"(me|te) (da|dan) (un )?(infarto|ataque)",
    r"(me|te|le|les) (va|van) a dar (un )?(infarto|ataque)",
    r"casi (me|te|le) (da|dio) (un )?(infarto|ataque)",
    r"me muero de (ganas|risa|sueno|hambre|verguenza|calor|frio)",
    // "me quiero morir de la vergüenza", "me quiero morir jaja"
    r"me quiero morir de (la )?(verguenza|risa|pena|sueno)",
    r"me quiero morir (\w+ ){0,1}(jaja\w*|jeje\w*|xd)",
    r"(me|te) (esta|estan) matando",
    r"me mata (el|la|los|las)",
    r"muerto de (risa|ganas|cansancio)",
    r"to die for",
    r"drop dead gorgeous",
    r"scared to death",
    r"bored to death",
    r"(laughing|laughed) (so hard|till)",
    r"hay ?fever",
    // A panic attack has no sign of tier 1 on its own: a model must not read
    // one into the words; chest pain or breathlessness beside it still count.
    r"(panic|anxiety) attacks?",
    r"ataques? de (panico|ansiedad|nervios)",
    // "these stairs will be the death of me", "another one bites the dust"
    r"(be|is|are|was) (the )?death of (me|us)",
    r"bites? the dust",
    r"(screaming|screams) at me",
    r"fiebre del heno",
    // "he nearly had a fit when he saw the bill"
    r"(nearly|almost) had a fit",
    // "I'm so confused by your booking page", "estoy confundida con los horarios"
    r"(im|i am) (so |very |really |totally |a bit |a little )?confused (by|about|with|as to)",
    r"(estoy|estamos) (muy |un poco |algo |bastante )?confundid[oa]s? (con|por|sobre)",
];

/// Words that deny the sign that follows them within a few words.
#[rustfmt::skip]
pub(super) const NEGATION: &[&str] = &[
    r"no",
    r"not",
    r"zero",
    r"never",
    r"nor",
    r"without",
    r"dont",
    r"doesnt",
    r"didnt",
    r"dont have",
    r"dont feel",
    r"didnt have",
    r"havent had",
    r"havent got",
    r"havent|hasnt|have not|has not",
    r"isnt",
    r"arent",
    r"wasnt",
    r"werent",
    r"no sign of",
    r"free of",
    r"sin",
    r"ni",
    r"nunca",
    r"tampoco",
    r"no tengo",
    r"no siento",
    r"no hay",
];

/// The past and resolved, when nothing says it is happening now.
#[rustfmt::skip]
pub(super) const PAST: &[&str] = &[
    r"\d+ (yrs?|years?|months?|weeks?) ago",
    r"years back",
    r"a few years",
    r"once",
    r"years? ago",
    r"months ago",
    r"weeks ago",
    r"last year",
    r"last month",
    r"in (19|20)\d\d",
    r"as a (kid|child|teenager)",
    r"when i was (a |young|little|\d+)",
    r"as a baby",
    r"used to",
    r"back in",
    r"long time ago",
    r"once had",
    r"have had before",
    r"history of",
    r"hace (\d+ |unos |muchos |varios )?(anos|meses|semanas|tiempo)",
    r"de (nino|nina|chico|chica|chiquit[oa]|pequeno|pequena|joven)",
    r"in my (teens|twenties|thirties|forties|fifties|\d0s)",
    r"in (his|her) (\d0s|teens|twenties|thirties|forties|fifties)",
    r"cuando (era|tenia) ",
    r"el ano pasado",
    r"en (19|20)\d\d",
    r"antes tenia",
    r"(an |my |from an |from my |de una |de mi )?old (sprain|injury|fracture|break|surgery|operation|tear|accident)",
    r"(esguince|lesion|fractura|operacion) (antigu[oa]|vieja|de hace anos)",
    // "hace tres anos", "hace un par de meses"
    r"hace (un|una|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|un par de) (anos?|mes|meses|semanas?)",
];

/// A question about a risk, or a hypothetical, rather than a report.
#[rustfmt::skip]
pub(super) const HYPOTHETICAL: &[&str] = &[
    r"is (that|this|it) (actually |really |even )?a (thing|risk)",
    // "can I faint during it?": asked about, the sign in the question
    r"(can|could|will|would|might) (i|you|someone|people) (faint|pass out|bleed|bruise|get an infection)",
    // "can you overdose on magnesium?": a generic "you" asking about the sign
    r"(can|could|is it possible to) (you|one|someone|anyone|people|a person) (really |actually |accidentally )?(overdose|od)",
    r"((can|could|does|do|will|would|might|may) (it|this|that|dry|needling|the|you|i|they|he|she|someone|anyone|a|an|acupuncture|needles?) (\w+ ){0,5}|(is it possible|how likely|how often) (\w+ ){0,6})(cause|causes|lead to|give (you|me|him|her|them|someone)|result in|puncture|trigger|happen|get|have|suffer|develop)",
    r"risk",
    r"risks",
    r"risky",
    r"is (that|this|it) a (thing|risk)",
    r"does that happen",
    r"chance",
    r"chances",
    r"possible",
    r"possibility",
    r"likely",
    r"rare",
    r"common",
    r"danger",
    r"dangerous",
    r"dangers",
    r"side effects?",
    r"complications?",
    r"is (that|this|it) normal",
    r"normal",
    r"usual",
    r"what if",
    r"prevent",
    r"to avoid",
    r"prevenir",
    r"para evitar",
    r"what would happen if",
    r"what happens if",
    r"que pasaria si",
    r"what would you do",
    r"say i",
    r"suppose",
    r"supposing",
    r"what then",
    r"imagine",
    r"^if ",
    r"^si ",
    r"if i (get|have|feel|start)",
    r"if you (get|have|feel)",
    r"if (he|she|it|they|someone|somebody|anyone|a patient) (gets?|has|have|feels?|starts?)",
    r"in case",
    r"what happens if",
    r"what should i do if",
    r"what do i do if",
    r"how (would|will|do) i know",
    r"signs? of",
    r"symptoms? of",
    r"warning signs?",
    r"what does .{1,40} (look|feel) like",
    // "puede causar", "se puede perforar": can it cause ... (es)
    r"(puede|pueden|podria) (\w+ ){0,3}(causar|provocar|dar|pasar|perforar|producir|tener|sufrir)",
    r"se puede (\w+ ){0,3}(causar|provocar|dar|pasar|perforar|producir|tener|sufrir)",
    r"es posible",
    r"riesgoso",
    r"que pasa si",
    r"que hago si",
    r"y si",
    r"riesgo",
    r"riesgos",
    r"efectos secundarios",
    r"complicaciones",
    r"sintomas de",
    r"senales de",
    r"como se si",
    r"como sabria",
    // "es frecuente?", "es peligroso?", "suele pasar?"
    r"es (muy |tan )?(comun|frecuente|habitual)",
    r"peligros[oa]s?",
    r"suelen? (pasar|ocurrir)",
    // "could the needles leave my hand numb?"
    r"(can|could|will|would|might) (it|this|that|the needles?|needling|dry needling) (leave|make)",
];

/// Words that make it about the writer (or someone with them), now.
#[rustfmt::skip]
pub(super) const PRESENT: &[&str] = &[
    r"suddenly",
    r"all of a sudden",
    r"de repente",
    r"de golpe",
    r"now",
    r"right now",
    r"currently",
    r"at the moment",
    r"this morning",
    r"this afternoon",
    r"this evening",
    r"tonight",
    r"today",
    r"since (this|last|yesterday|the|my|then|an|a|\d)",
    r"just now",
    r"just (had|collapsed|fainted|fell|took|started|passed out)",
    r"started",
    r"starting",
    r"getting worse",
    r"keeps getting",
    r"still (out|not|cant|bleeding|numb)",
    r"ahora",
    r"ahora mismo",
    r"hoy",
    r"ahorita",
    r"desde (esta|ayer|la|el|hace)",
    r"esta manana",
    r"esta tarde",
    r"esta noche",
    r"empezo",
    r"empeorando",
    r"sigue (sin|saliendo|con)",
    r"todavia (no|sigue|sangra|estoy|esta|tengo|tiene|me|le)",
    r"aun (no|sigue|sangra|estoy|esta|tengo|tiene|me|le)",
];

/// Over and done with, whatever else the message says ("all recovered,
/// on aspirin now").
#[rustfmt::skip]
pub(super) const RESOLVED: &[&str] = &[
    r"all recovered",
    r"fully recovered",
    r"recovered fully",
    r"all treated",
    r"all clear now",
    r"stable since",
    r"resolved",
    r"no problems since",
    // "all fine now", "im ok since", "been stable since"
    r"(all|totally|completely) (fine|ok|okay|good|well|stable|better) (now|since)",
    r"(im|i am) (fine|ok|okay|good|well|stable|better) (now|since)",
    r"(doing|feeling|been) (fine|ok|okay|good|well|stable|better) (now|since)",
    // "doing really well now", "been fine ever since", "all fine", "all cleared"
    r"(im|i am|doing|feeling|been) (really|very|totally|perfectly) (fine|ok|okay|good|well) (now|since)",
    r"(fine|ok|okay|well|good) ever since",
    r"all (fine|good|ok|okay|cleared|clear)",
    r"fine now",
    r"stable now",
    r"ahora (estoy|esta|todo) (bien|estable|perfect[oa])",
    r"(ya|todo) (estoy |esta )?bien ahora",
    r"estable desde",
    r"sin problemas desde",
    r"ya esta curad[oa]",
    r"me recupere del todo",
    r"totalmente recuperad[oa]",
    // "resuelta", "ya se me pasó", "bien desde entonces"
    r"resuelt[oa]s?",
    r"ya paso|se (me|le) paso",
    r"(todo|estoy|esta) (muy )?bien desde (entonces|hace)",
];

/// The writer, or someone with them ("my dad", "mi madre").
#[rustfmt::skip]
pub(super) const FIRST_PERSON: &[&str] = &[
    // English
    r"i", r"im", r"ive", r"id", r"my", r"me", r"mine", r"we", r"were", r"our", r"us",
    // Spanish
    r"tengo", r"estoy", r"siento", r"me", r"mi", r"mis", r"nos", r"estamos", r"tenemos",
];

/// A condition rather than a report.
#[rustfmt::skip]
pub(super) const CONDITIONAL: &[&str] = &[
    r"if",
    r"when",
    r"whenever",
    r"in case",
    r"unless",
    r"say",
    r"suppose",
    r"supposing",
    r"imagine",
    r"si",
    r"cuando",
    r"en caso de",
    r"imagina",
    r"supongamos",
];

/// Someone else's story, told as a worry.
#[rustfmt::skip]
pub(super) const THIRD_PARTY: &[&str] = &[
    r"a (guy|man|woman|lady|girl|bloke) (at|from|in)",
    r"(he|she) said (his|her)",
    r"said (his|her|their)",
    r"people say",
    r"my (sisters|brothers|friends|mums|moms|dads) (friend|boyfriend|girlfriend|husband|wife)",
    // friends, neighbours and relatives
    r"my (friend|cousin|colleague|coworker)",
    r"my (neighbour|neighbor)",
    // "my colleague's fingers" (folded: "my colleagues fingers")
    r"my (friends|cousins|colleagues|coworkers|neighbours|neighbors)",
    r"my (aunt|uncle|grandma|grandpa|grandmother|grandfather)",
    r"a friend",
    r"someone i know",
    r"i (read|heard|saw)",
    r"on (the news|tv|youtube|tiktok|reddit|google)",
    r"mi (amig[oa]|prim[oa]|vecin[oa]|compa\w*|abuel[oa])",
    r"mis? ti[oa]s?",
    r"lei",
    r"escuche",
    r"vi en",
];
/// A treatment the writer had: a limb's numbness tied to it is the urgent
/// worry, not a stroke ("my arm went numb after the session").
#[rustfmt::skip]
pub(super) const AFTER_TREATMENT: &[&str] = &[
    r"(after|since|from|during) (the |my |your |todays |yesterdays |that )?(\w+ )?(session|treatment|needling|appointment|visit|needles?)",
    r"(where|when) (you|they|she|he) (needled|treated)",
    r"(despues de|desde|tras|durante) (la |el |mi )?(sesion|puncion|tratamiento|cita|consulta|agujas?)",
    r"(donde|cuando) me (pincharon|pinchaste|trataron|pusieron las agujas)",
];
/// Long-standing, not sudden: a limb that has not lifted well for months
/// is a physio's question, not a stroke.
#[rustfmt::skip]
pub(super) const CHRONIC: &[&str] = &[
    r"for (\d+|a few|several|many|some|two|three|six) (months|years)",
    r"(since|for) (last|a) (year|summer|winter)",
    r"(desde hace|hace|llevo) (\d+|unos|varios|muchos|dos|tres|seis) (meses|anos)",
    // "its been like that for months", "el brazo desde hace meses"
    r"been (like (that|this)|that way) for (months|years)",
    r"(brazo|pierna|mano|hombro) (\w+ )?desde hace (meses|anos)",
    r"llevo (meses|anos) sin poder",
];

/// Sudden: a limb that went weak all of a sudden is a stroke's sign even in
/// a message about an old knee.
#[rustfmt::skip]
pub(super) const SUDDEN: &[&str] = &[
    r"suddenly|all of a sudden|out of nowhere|out of the blue",
    r"de repente|de golpe|derepente|repentin[oa]",
];

/// A denial right before a self-harm sign ("I'm not suicidal", "not going to
/// hurt myself"): the only denial that sets self-harm aside. A negation a
/// few words earlier denies something else ("don't worry, I'll be gone").
#[rustfmt::skip]
pub(super) const SELF_HARM_DENIAL: &[&str] = &[
    r"(not|never|nunca)( going to| gonna| planning to| planning on| really| at all| actually)?",
    r"no (soy|estoy|voy a|pienso|planeo)",
];
