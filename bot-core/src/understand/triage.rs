//! Triage in three tiers, checked before anything else on every patient
//! message (`shared/domain/red-flags.md` is the reference):
//!
//! 1. **emergency now** ([`Triage::Emergency`]): the emergency answer first,
//!    a staff alert with the category only;
//! 2. **urgent today** ([`Triage::Urgent`]): "contact us or a doctor today",
//!    a staff alert, and the conversation goes on;
//! 3. everything else ([`Triage::Routine`]).
//!
//! The rules live in code, not in the clinic-editable files: they are safety
//! critical, they are covered by tests, and an edit to a data file must never
//! be able to switch one off. They run on folded text ([`crate::text::fold`]:
//! compatibility forms, zero-width and format characters, accents and case
//! all folded away) in English and Spanish.
//!
//! A sign only counts where it is reported, not where it is denied ("sore but
//! no chest pain"), past and resolved ("I fainted at a blood test years
//! ago"), asked about as a risk ("can it collapse a lung?"), or an idiom
//! ("this price gives me a heart attack"). The present tense and the writer
//! or someone with them make it count again; when in doubt between tier 1
//! and tier 3, tier 1.

use std::borrow::Cow;

use regex::Regex;

use crate::chat::{RedFlag, Urgency};

/// What a message needs before it is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Triage {
    Emergency(RedFlag),
    Urgent(Urgency),
    Routine,
}

impl Triage {
    /// 1 (emergency), 2 (urgent) or 3 (routine).
    pub fn tier(self) -> u8 {
        match self {
            Triage::Emergency(_) => 1,
            Triage::Urgent(_) => 2,
            Triage::Routine => 3,
        }
    }
}

/// Tier-1 signs, by category. Word boundaries are added by [`Triager`].
const EMERGENCY: &[(RedFlag, &str)] = &[
    (
        RedFlag::SelfHarm,
        r"(kill|killing|hurt|hurting|harm|harming|cut|cutting|end|ending) myself|kms|unalive\w*|end(ing)? (my life|it all|my own life)|suicid\w*|want(ing)? to die|wanna die|wish i (was|were) dead|(dont|do not) want to (live|be alive|be here|wake up)|better off dead|no reason to live|self ?harm\w*|no quiero (vivir|seguir viviendo|despertar)|quitarme la vida|matarme|hacerme dano|quiero morir\w*|me quiero morir|acabar con (mi vida|todo)|suicidarme|no vale la pena vivir|ending it|end it (all )?(tonight|today|soon)|(better|happier) (off )?without me|(thinking|thought) (about|of) how to do it|(pills|tablets) saved up|no point (in )?(living|going on)|whats the point (of|in) (living|going on|anything)|prefiero morir\w*|(estaria|estarian) mejor sin mi|pensando en como hacerlo|no quiero estar aqui|(decided|feel like) i (cant|cannot) carry on|(cant|cannot) carry on (anymore|any more|living)|written (\w+ ){0,3}letters? to (my|the) family|goodbye (letter|note)s?|decided to end (things|it)|end(ing)? things (tonight|today|soon)|me hice dano (a proposito|aposta|adrede)|me corte a proposito",
    ),
    (
        RedFlag::Pneumothorax,
        r"(hurts?|pain\w*|sharp|stabbing|stitch) (\w+ ){0,4}(when|if|as) i (breathe|breath|inhale|take a (deep )?breath)|(breathing|breathe|breath|inhaling|deep breath\w*) (\w+ ){0,3}(hurts?|is painful|painful|pain)|(breathe|breath|breathing) in (\w+ ){0,3}(hurts?|pain)|hurts? to (breathe|breath|take a breath)|collapsed lung|pneumothorax|punctured (my |a )?lung|duele (al|cuando) (respirar|inspirar|respiro)|dolor (\w+ ){0,3}al (respirar|inspirar)|me duele respirar|pulmon (colapsado|perforado|pinchado)|neumotorax|(pain|hurts?|sharp|stabbing|ache|aching|stitch|pinchazo|dolor|duele|punzada) (\w+ ){0,8}(worse|every time|each time|empeora|cuando|al) (\w+ ){0,3}(breathe|breath|breathing|inhale|respiro|respirar|inspiro)|(costado|lado del pecho|omoplato|escapula) (\w+ ){0,6}(respir\w*)|respiro (cortito|mal|con dificultad)|me agito (\w+ ){0,3}(caminando|al caminar|andando)|respir\w* (\w+ ){0,8}(paleta|omoplato|escapula|costado)|(paleta|omoplato|escapula) (\w+ ){0,6}respir\w*|(pain\w*|hurts?|sharp|stabbing|ache|aching|stitch|pinching|catch\w*) (\w+ ){0,8}(with|on) (each|every|every single|a)? ?(deep )?(breath|inhale|breathing)|(con|en) cada (respiracion|inspiracion)",
    ),
    (
        RedFlag::ChestOrBreathing,
        r"chest (\w+ ){0,4}(pain|pains|hurt|hurts|hurting|tight|tightness|pressure|ache|aching|crushing|sharp|heavy|squeez\w*)|(pain|pressure|tightness|weight) (in|on|across) (my |his |her |the )?chest|(cant|cannot|can not|couldnt|unable to|struggling to|struggle to|trouble|hard to|difficult to|difficulty|hard time|problems?|barely) ?(breath|breathe|breathing|get (a |my )?breath)|short(ness)? of breath|breathless\w*|out of breath|gasping|(cant|cannot) catch (my|his|her) breath|(lips|face|fingers) (are |is )?(turning |going )?(blue|purple)|heart attack|(dolor|presion|opresion|punzada|peso) (\w+ ){0,2}(en el|de|del|en mi) pecho|(me )?duele (el|mi) pecho|pecho (\w+ ){0,2}(apretado|oprimido)|no puedo respirar|no puede respirar|me falta (el )?(aire|la respiracion)|le falta (el )?aire|falta de aire|dificultad para respirar|me ahogo|se ahoga|ataque (al|de) corazon|infarto|labios (morados|azules)|(cant|cannot|can not|struggling to|hard to|unable to|trouble|couldnt) (get|take|catch) (a |my )?(full |proper |deep |good )?(breath|air)|breathing (is |feels )?(really |very |so )?(hard|difficult|fast|shallow|laboured|labored|weird)|respira (cortito|mal|con dificultad|muy rapido|agitad\w*)|(me|le) cuesta (mucho )?(respirar|coger aire|tomar aire)|no (puedo|puede) (coger|tomar) aire|(duele|dolor en) (un|el) (lado|costado) del pecho|(agarra|agarrando|toca|sujeta) el pecho|no (me|le) entra (el )?aire|(me|le) aprieta (mucho |muchisimo )?el pecho|(dolor|pain) (\w+ ){0,6}(brazo izquierdo|left arm) (\w+ ){0,8}(mandibula|quijada|jaw|sudor|sudando|sweat\w*|nause\w*|clammy)|(pressure|pain|tightness|weight|ache|aching) (\w+ ){0,3}(behind|in|on) (my |his |her |the )?(breastbone|sternum)|(elephant|something heavy|a weight) (\w+ ){0,4}(on|sitting on|crushing) (my|his|her) chest|(ache|aching|pain|pressure|tightness|squeez\w*) (\w+ ){0,5}(middle|centre|center) of (my|his|her|the) chest",
    ),
    (
        RedFlag::Collapse,
        r"collapsed|(is |he is |she is |hes |shes )?unconscious|unresponsive|(wont|will not|cant|cannot) (wake|be woken)|not waking up|(isnt|is not|not|stopped) breathing|passed out (and|&) (\w+ ){0,3}(not|wont|isnt|confused|hit)|fainted (\w+ ){0,5}(confused|chest|wont|not waking|not coming|hit (his|her|my) head)|(not|isnt) (responding|coming round|coming to)|se desmayo (\w+ ){0,4}(no despierta|no reacciona|confundid\w*)|inconsciente|no responde|no reacciona|no despierta|se desplomo|no respira|perdio el conocimiento|se ha desmayado y no|(blacked|passed|knocked) out (\w+ ){0,6}(still out|not waking|wont wake|not responding|isnt waking)|(still|is still) (out|unconscious|not awake)|(wont|will not|doesnt|isnt) respond\w*|sigue sin (abrir los ojos|despertar|reaccionar)|no abre los ojos",
    ),
    (
        RedFlag::Confusion,
        r"(suddenly|very|really|totally|so) (confused|disoriented)|(is |seems |acting |gotten |got )(very |really |suddenly )?confused|confused and (\w+ ){0,3}(drowsy|sleepy|not making sense)|not making (any )?sense|(doesnt|does not|dont|cant|cannot) (know|recognise|recognize|tell) (where (she|he|i|they) (is|am|are)|who (i|she|he) (am|is)|me)|(very |so )?(drowsy|sleepy) and (hard|difficult|impossible) to wake|hard to wake|(de repente |muy )?(confundid\w*|desorientad\w*)|no sabe (donde|quien)|no tiene sentido lo que dice|dice cosas sin sentido|no me reconoce|muy (somnolient\w*|adormilad\w*)|(can|could) (barely|hardly|not) wake (him|her|them|me)|cant keep (him|her|them) awake|nodding off (mid|in the middle)|mumbling (rubbish|nonsense|gibberish)|talking (rubbish|nonsense|gibberish)|out of it and (confused|drowsy)|no hay (forma|manera) de despertar\w*|se vuelve a dormir|(muy|super) (adormilad\w*|somnolient\w*|dormid\w*) (\w+ ){0,4}(despert\w*|habl\w*)|(doesnt|does not|dont|cant|cannot) know what (day|year|month|time) it is|no sabe (que dia|en que dia|que ano|en que ano)|asking the same (question|thing) over and over|(talking|answers?|answering) (\w+ ){0,4}(random words|gibberish)",
    ),
    (
        RedFlag::Stroke,
        r"(face|mouth|smile) (\w+ ){0,3}(droop\w*|drooping|droopy|lopsided|crooked|uneven)|drooping|slurr(ed|ing)|having a stroke|(a|mini) stroke|(cant|cannot|can not) (move|feel|lift|raise) (my |his |her |their )?(right |left )?(arm|leg|hand|face|one side)|(arm|leg|side|hand) (\w+ ){0,3}(suddenly )?(went|gone|is|feels) (numb|weak|dead)|(one|right|left) side of (my|his|her) (face|body) (\w+ ){0,3}(numb|weak|droop\w*|not working)|sudden (loss of (vision|sight|balance)|weakness|numbness)|(words|speech) (are |is )?(coming out )?(wrong|jumbled|garbled|slurred)|cant (get|find) (my|the) words|cara (caida|torcida|paralizada|ladeada)|(boca|cara) (\w+ ){0,2}torcid\w*|torcid\w* (la|su) (boca|cara)|no pued[eo] (levantar|mover) (bien )?(el|la|mi|su) (brazo|pierna|mano)|boca torcida|no pued[eo] (hablar|mover (el|la|mi|su) (brazo|pierna))|habla (arrastrada|rara|raro)|arrastra las palabras|derrame cerebral|ictus|embolia|no siento (el|la|mi) (brazo|pierna|cara)|se le (cae|ha caido|esta cayendo) la cara|perdi la vista de repente|(cant|cannot|can not) see (\w+ ){0,2}(out of|with) (my |his |her |one )?(\w+ )?eye|(suddenly |all of a sudden )(\w+ ){0,6}(blind|cant see|lost (my )?(sight|vision)|off balance|dizzy and (cant|cannot) walk)|(lost|losing) (the )?(sight|vision) in (one|my|his|her) (\w+ )?eye|no veo (nada )?(por|con) (el|un) ojo|se me traban las palabras|arrastr\w* las palabras|no mueve bien (el|la) (brazo|pierna|mano)|(de repente|de golpe) (\w+ ){0,6}(dormid[oa]|no veo|me voy de lado|sin fuerza)",
    ),
    (
        RedFlag::ThunderclapHeadache,
        r"(worst|most severe|worst ever|biggest) headache|thunderclap|headache (\w+ ){0,4}(came on|hit|started) (\w+ ){0,2}(suddenly|out of nowhere|like a)|sudden (\w+ ){0,2}(severe|terrible|excruciating|splitting) headache|(severe|terrible|excruciating) headache (\w+ ){0,5}(stiff neck|vomit\w*|throwing up|confus\w*)|peor dolor de cabeza|dolor de cabeza (\w+ ){0,3}(de repente|subito|repentino|insoportable|brutal)|dolor de cabeza (\w+ ){0,6}(cuello rigido|vomit\w*)|(grabbed|holding|clutching) (his|her|my) head (\w+ ){0,6}(worst|scream\w*)|headache (\w+ ){0,3}(came on )?in (a |one )?(split )?second|(crazy|massive|horrible|sudden|explosive) (\w+ ){0,2}headache (\w+ ){0,6}(worst|confus\w*|vomit\w*|stiff)|worst pain (\w+ ){0,3}(ever|of (his|her|my) life) (\w+ ){0,6}head|head (\w+ ){0,6}worst pain|dolor de cabeza (\w+ ){0,2}(de golpe|como un trueno)|(de golpe|de repente) (\w+ ){0,3}dolor de cabeza|estallido (en la|en) (cabeza|nuca)|(cabeza|nuca) (\w+ ){0,6}nunca (le|me) (ha )?dolio (asi|tanto)|out of nowhere (\w+ ){0,4}(horrendous|unbearable|worst) headache|headache (\w+ ){0,6}(nothing to unbearable|in seconds)",
    ),
    (
        RedFlag::Seizure,
        r"(having|had|is having|hes having|shes having) a (fit|seizure)|seizing|(fitting|convulsing|convulsions?|shaking uncontrollably)|seizure (\w+ ){0,3}(wont|will not|isnt|not) stop|(first|1st) (ever )?(seizure|fit)|fit (that )?(wont|will not) stop|(esta|le esta dando|tiene) (una )?(convulsion|ataque epileptico|crisis)|convulsion\w*|convulsiona\w*|ataque epileptico|(twitching|jerking|shaking) (and|&) (jerking|twitching|shaking)|eyes (rolled|rolling) back|(started|having|had) another (fit|seizure)|(had|having) (one|a) (fit|seizure) (\w+ ){0,6}another|(temblando|sacudiendo\w*) (\w+ ){0,4}(sin parar|los ojos en blanco)|ojos en blanco|crisis (\w+ ){0,3}no para|lleva (\w+ ){0,4}con la crisis|went stiff and (\w+ ){0,2}(twitching|jerking|shaking)",
    ),
    (
        RedFlag::Allergy,
        r"(throat|tongue|lips?|face|eyes) (\w+ ){0,3}(swelling|swollen|closing|swelled|tight|puffing)|(cant|cannot|can not|unable to|hard to|struggling to) swallow|swelling (of|in) (my |his |her )?(throat|tongue|lips?|face)|anaphyla\w*|epipen|(severe|bad|serious|having an|allergic) (allergic )?reaction|hives (\w+ ){0,6}(faint|dizzy|breath|swell\w*)|(garganta|lengua|labios|cara|ojos) (\w+ ){0,3}(hinchad\w*|inflamad\w*|cerrando|cierra)|se me (hincha|cierra|esta cerrando|inflama|estan hinchando) (la|los) (garganta|lengua|labios)|(hinchando|hinchado|hinchada|hinchandose|inflamando|inflamado|inflamada|cerrando) (\w+ ){0,3}(garganta|lengua|labios|cara)|no puedo tragar|no puede tragar|anafila\w*|reaccion alergica (grave|fuerte|severa)|ronchas (\w+ ){0,6}(mareo|desmay\w*|respirar)|hives all over (\w+ ){0,12}(faint|pass out|dizzy|breath\w*)|ronchas por todo (\w+ ){0,8}(mare\w*|desmay\w*)|se me (hincho|hincharon|ha hinchado|han hinchado) (la cara|los parpados|los labios|la lengua|la garganta)|(face|lips?|tongue|throat|eyelids?) (\w+ ){0,3}(ballooning|blowing up|puffing up|swelling shut|is huge|are huge)|ronchas (\w+ ){0,6}mare\w*|(itchy lumps|welts|hives|rash) (\w+ ){0,10}(keel over|faint\w*|pass out|dizzy|woozy)",
    ),
    (
        RedFlag::Bleeding,
        r"(bleeding|bleed|blood) (\w+ ){0,5}(wont|will not|doesnt|does not|cant|cannot|isnt|is not|not) (stop|stopping|slow\w*)|(heavy|heavily|lots of|so much|a lot of|uncontrolled|severe|pouring|gushing) (bleeding|blood)|bleeding (heavily|a lot|badly|everywhere|through)|gushing|soak(ed|ing)? (through|the)|(swelling|bruise|lump) (\w+ ){0,4}(growing|getting bigger|spreading|expanding) (fast|quickly|rapidly|by the minute)?|no (para|deja) de sangrar|sangr\w* (\w+ ){0,4}(mucho|no para|no se detiene|no deja de|sin parar|a chorros)|mucha sangre|(moraton|hematoma|bulto) (\w+ ){0,4}(crece|creciendo|cada vez mas grande)|(nosebleed|nose bleed|bleeding|blood) (\w+ ){0,8}(wont|will not|doesnt|does not|isnt|not) (stop|stopping)|soak\w* (thru|through)|(empape|empapado|empapando) (\w+ ){0,3}(gasas|vendas|venda|gasa)|sigue saliendo (mucha )?sangre|no matter how (hard )?(i|we|she|he) (press|pressed|push)|(pressing|pushing) (hard|firmly) (\w+ ){0,4}(still|doesnt|isnt|not|wont)|(bruise|lump|swelling|bump) (\w+ ){0,8}(doubled|tripled) in (size|an hour|half an hour|minutes)|(bruise|lump|swelling|bump) (\w+ ){0,8}(getting|growing) (bigger|huge|larger) (\w+ ){0,3}(by the minute|really fast|fast|quickly)|swelling up (\w+ ){0,2}(huge|fast|really fast)|(arm|leg|calf|thigh|hip|bruise|lump|swelling) (\w+ ){0,6}(ballooning|like a balloon)|(aunque|por mas que) (aprieto|apriete|presiono|hago presion|apretamos) (\w+ ){0,6}(sigue|no para|no se detiene)|(creciendo|crece) (muy )?(rapido|deprisa)|(doubled|tripled|grown|grew|se ha doblado|ha doblado) (\w+ ){0,3}(in|en) (half an hour|an hour|\d+ min\w*|minutes|no time|the last hour|media hora|una hora|minutos)",
    ),
    (
        RedFlag::Overdose,
        r"overdos\w*|(took|taken|swallowed|ate|had) (\w+ ){0,3}(too many|too much|a lot of|loads of|a whole (bottle|pack|box)|the whole (bottle|pack|box)|all (my|the|of my|his|her)) (\w+ ){0,3}(pills|tablets|meds|medicine|medication|painkillers|paracetamol|ibuprofen|tylenol|advil)|(pills|tablets|meds) (\w+ ){0,3}(with|and) (\w+ ){0,2}(alcohol|vodka|wine|beer|drinks)|(drank|swallowed|drunk) (\w+ ){0,3}(bleach|poison|antifreeze|cleaning|detergent)|poisoned|sobredosis|(tome|tomo|se tomo|me tome|ha tomado|se ha tomado) (\w+ ){0,3}(demasiad\w*|muchas|todas las|una caja|un bote|el bote) (\w+ ){0,2}(pastillas|pildoras|medicinas|medicamentos|paracetamol|ibuprofeno)?|pastillas (\w+ ){0,3}con alcohol|(bebio|trago|se bebio) (\w+ ){0,2}(lejia|veneno|cloro)|envenenad\w*|took (\w+ ){0,2}(my |the )?(\w+ )?twice|double (dose|the dose|my dose)|(beers|drinks|wine|alcohol|vodka|whisky) (\w+ ){0,6}(took|and) (\w+ ){0,6}(tablets|pills|painkillers|sleeping)|took (like |about )?\d+ (\w+ )?(paracetamol|ibuprofen|pills|tablets|painkillers|advil|tylenol)|el doble de|(mezcle|mezclo|junte) (\w+ ){0,4}con (\w+ ){0,2}(cervezas|alcohol|vino|copas)|(took|taken|swallowed|had) (\w+ ){0,3}(whole|entire) (packet|pack|bottle|box|weeks|week|strip)|(tome|tomo|tomado) (\w+ ){0,2}(toda la caja|todo el frasco|un frasco|una caja|todo el bote|todas las pastillas)|(\d+|ten|twenty|fifteen|thirty) (\w+ ){0,3}(pastillas|pills|tablets|codeine|paracetamol|ibuprofen|painkillers|oxy\w*|\w*codone|\w*morph\w*|tramadol|valium|xanax|diazepam|sleeping) (\w+ ){0,4}(con|with) (\w+ ){0,4}(vino|wine|alcohol|cerveza|beer|vodka|whisky|whiskey|rum|gin|tequila)|(tomo|trago|bebio|drank|swallowed) (\w+ ){0,3}(lavandina|lejia|bleach|cloro)|(took|taken|swallowed) \d+ of (them|those)",
    ),
    (
        RedFlag::SeriousInjury,
        r"fell (\w+ ){0,3}(off|from|down) (a |the |his |her |my )?(ladder|roof|stairs|balcony|height|window|scaffold\w*|horse)|(car|road|motorbike|bike|traffic) (crash|accident)|(hit|knocked down|run over) by a (car|bus|truck|van)|(hit|banged|bashed|knocked) (his|her|my) head (\w+ ){0,6}(vomit\w*|throwing up|sick|drowsy|sleepy|confused|dizzy|passed out|unconscious|bleeding)|head (injury|wound) (\w+ ){0,6}(vomit\w*|drowsy|confused|sleepy)|(se cayo|me cai|se ha caido) (\w+ ){0,3}(de (la|una) (escalera|tejado|altura|ventana|balcon))|accidente de (coche|trafico|moto)|atropell\w*|(golpe|golpeo|se golpeo|me golpee) (\w+ ){0,3}(la )?cabeza (\w+ ){0,6}(vomit\w*|mareado|somnolient\w*|confundid\w*)|(chocamos|choque|chocar\w*) (\w+ ){0,2}(en|con) (la|el) (moto|coche|carro|auto)|acabamos de chocar",
    ),
    (
        RedFlag::CaudaEquina,
        r"numb\w* (\w+ ){0,4}(between (my|his|her) legs|groin|genitals|saddle|around (my|the) (bottom|bum|backside|anus)|down there|inner thighs)|(cant|cannot|can not|unable to|trouble|lost control of|losing control of) (\w+ ){0,2}(control )?(my |his |her )?(bladder|bowels?|pee|wee|urinate|poo)|(wet|peed|soiled) myself|both (my |his |her )?legs (\w+ ){0,3}(weak|numb|giving way|going|gave way)|(cant|cannot) feel (my |his |her |both )?(legs|feet)|(back|spine) (\w+ ){0,8}(cant feel|numb) (\w+ ){0,3}(legs|groin|bottom)|entumecid\w* (\w+ ){0,3}(entre las piernas|la ingle|los genitales|zona intima)|no (puedo|puede) (controlar|aguantar) (la orina|el pis|la vejiga|las heces)|me (he )?hecho pis encima|no siento las piernas|no siento (mis|las) piernas|(las dos|ambas) piernas (\w+ ){0,3}(debiles|dormidas|no responden)|numb (bum|bottom|backside|groin)|(no siento|dormid\w*|entumecid\w*) (\w+ ){0,4}(la zona entre las piernas|entre las piernas|el culo|las nalgas|la ingle)|(culo|nalgas|trasero) (\w+ ){0,3}(dormid\w*|entumecid\w*)|se me escapa (el pis|la orina|la caca)|(cant|cannot) (hold|control) (my )?(pee|wee|bladder|bowels)|(hormigueo|entumecid\w*|dormid\w*|no siento nada) (\w+ ){0,4}(alrededor del ano|los genitales|zona genital)|se me escap\w* (la caca|el pis|la orina)|(saddle|groin|bottom|bum|genitals) (area |region )?(\w+ ){0,3}(numb|gone numb|dead)",
    ),
];

/// Tier-2 signs, by category.
const URGENT: &[(Urgency, &str)] = &[
    (
        Urgency::Infection,
        r"pus|oozing|infected|infection|red streak\w*|streak\w* of red|(spreading|growing) (redness|red)|(red|redness) (\w+ ){0,3}(spreading|growing|getting bigger|is spreading)|(red|swollen|puffy) (and|&) (hot|warm)|(hot|warm) (and|&) (red|swollen)|swollen,? (red|hot)|supura\w*|infectad\w*|infeccion|pus|(rojo|roja|enrojecid\w*) (y|e) (calient\w*|hinchad\w*)|(hinchad\w*|inflamad\w*) (y|e) (calient\w*|rojo|roja)|linea roja|enrojecimiento (\w+ ){0,2}(se extiende|creciendo)|red line (\w+ ){0,4}(up|along|from)|angry red|(red|redness|swollen|swelling) (\w+ ){0,6}(bigger|worse|spreading) than (yesterday|before|this morning)|(rojo|roja|rojez|enrojecid\w*) (\w+ ){0,6}(extiende|extendiendo|crece|creciendo|calient\w*)|(rojo|roja),? (y )?calient\w*|(inflamad\w*|hinchad\w*|colorad\w*|roj[oa]) (\w+ ){0,3}(y|e) (\w+ ){0,2}(quema|arde|calient\w*|colorad\w*)|(lo rojo|rojez|enrojecimiento|redness|the red) (\w+ ){0,10}(sigue creciendo|crece|creciendo|se extiende|keeps growing|getting bigger|spreading)|(granito|grano|bolita|punto) (amarill\w*|blanc\w*|con pus)|yellow (head|spot|bit|stuff|gunk)|(red|swollen|hot) (\w+ ){0,4}(and|&) (\w+ ){0,2}(burns|burning|hot to (the )?touch)",
    ),
    (
        Urgency::NerveSymptoms,
        r"(still|keeps?|constant\w*|wont go away|hasnt gone|not going away|havent gone) (\w+ ){0,4}(numb\w*|tingl\w*|pins and needles|weak\w*)|(numb\w*|tingl\w*|pins and needles|weak\w*|dead) (\w+ ){0,8}(since|after) (the |my |your |yesterday|this )?(\w+ )?(treatment|session|needling|appointment|visit|needles?)|(numb\w*|tingl\w*|pins and needles|weak\w*) (\w+ ){0,4}(for|over) (\d+|a few|several|many|two|three) hours|(hormigueo|entumecid\w*|adormecid\w*|dormid[oa]|debilidad|sin fuerza) (\w+ ){0,8}(desde|despues de) (la |el |ayer )?(sesion|puncion|tratamiento|cita|agujas?)|(sigue|sigo|todavia|aun) (\w+ ){0,3}(dormid[oa]|entumecid\w*|adormecid\w*|con hormigueo|sin fuerza|sin sensibilidad)|desde (ayer|anoche|antier|anteayer|hace (\w+ ){1,2}(horas|dias)|el (lunes|martes|miercoles|jueves|viernes|sabado|domingo)|la (sesion|puncion|cita)) (\w+ ){0,6}(entumecid\w*|adormecid\w*|dormid[oa]|con hormigueo|sin fuerza|sin sensibilidad)|since (yesterday|last night|the (session|treatment|needling|appointment)|my (session|treatment|appointment)|(monday|tuesday|wednesday|thursday|friday|saturday|sunday)) (\w+ ){0,6}(numb\w*|tingl\w*|pins and needles|weak\w*|no feeling)|no se me (pasa|quita) (el hormigueo|la debilidad)|(tingly|tingling|numb|weak|weakish|weak ish|dead) (\w+ ){0,6}(all day|since (the|my|this|yesterday)|been like that)|(cant|cannot|can not) (lift|move|feel) (\w+ ){0,4}(since|after) (the |my )?(\w+ )?(needling|session|treatment|needles)|no (puedo|puede) (levantar|mover) (\w+ ){0,4}desde (la|el|ayer) (\w+ )?(sesion|puncion|tratamiento|cita)|(numb\w*|tingl\w*|weak\w*|dead|(cant|cannot|can not|unable to) (\w+ )?(grip|pinch|hold|lift|move|feel|grab|bend|straighten|make a fist)) (\w+ ){0,10}((its|it s|has) been|for) (like |about |over |nearly |almost |more than )?(\d+|a few|several|many|two|three|four|five|six) hours|(cant|cannot|can not|unable to) (\w+ )?(grip|pinch|hold|grab|bend|straighten|make a fist) (\w+ ){0,8}(since|after) (you |they |she |he )?(the |my |your )?(\w+ )?(treatment|session|needling|needled|needles?|appointment)|(after|since) (the |my |your )?(dry )?(needling|session|treatment|appointment) (\w+ ){0,8}(numb\w*|tingl\w*|pins and needles|weak\w*|(cant|cannot|unable to) (grip|pinch|hold|lift|move|feel|grab)) (\w+ ){0,10}(still|hours|all day|wont go away|hasnt gone)|(debil|acorchad\w*|dormid\w*|entumecid\w*|adormecid\w*) (\w+ ){0,8}(desde|despues de) (la |el |las |los )?(\w+ )?(sesion|puncion|tratamiento|cita|agujas?|needling)|(desde|despues de) (la |el |las |los )?(sesion|puncion|agujas|tratamiento|cita) (\w+ ){0,8}(dormid\w*|entumecid\w*|acorchad\w*|hormigueo|debil|sin fuerza) (\w+ ){0,10}(siguen? igual|sigue asi|todavia|aun|horas|todo el dia)|(dormid\w*|entumecid\w*|acorchad\w*|debil|sin fuerza|hormigueo) (\w+ ){0,10}(ya (van|son|han pasado|llevo|lleva) (\w+ ){0,2}(horas|las \d+)|siguen? igual)",
    ),
    (
        Urgency::Clot,
        r"calf (\w+ ){0,5}(swollen|swelling|red|hot|warm|puffy)|calf (is |feels |felt |has gone |went |got )?(rock )?hard|(swollen|swelling|red|hot|puffy) calf|(one|my|his|her) (leg|calf) (\w+ ){0,4}(swollen|swelling|hot|red) (\w+ ){0,4}(pain\w*|hurts?|tender|sore)|blood clot|dvt|deep vein|(pantorrilla|gemelo) (\w+ ){0,4}(hinchad\w*|inflamad\w*|roj\w*|calient\w*|dura)|(duele|dolor en) (el|la) (gemelo|pantorrilla) (\w+ ){0,4}(hinchad\w*|calient\w*)|trombo\w*|coagulo|(leg|pierna) (\w+ ){0,4}(swelled|swollen|swelling|hinch\w*) (\w+ ){0,8}(calf|behind (my|the) knee|gemelo|pantorrilla|detras de la rodilla)|se me hincho una pierna|(pantorrilla|gemelo) (\w+ ){0,8}(hinchad\w*|inflamad\w*|calient\w*)|cordon duro|(hard|tender|painful) (cord|lump|vein) (\w+ ){0,4}(calf|leg)",
    ),
    (
        Urgency::FaintRecovered,
        r"(fainted|passed out|blacked out|felt faint|nearly fainted|almost fainted|went light ?headed|very dizzy|so dizzy|really dizzy|lightheaded|light headed|dizzy) (\w+ ){0,8}(after|during|at|in) (the |my |your |today s |todays )?(\w+ )?(treatment|session|needling|appointment|visit|clinic)|(after|during) (the |my )?(treatment|session|needling|appointment) (\w+ ){0,6}(fainted|passed out|blacked out|dizzy|light ?headed|faint)|(fainted|passed out) (\w+ ){0,6}(now|but) (\w+ ){0,3}(ok|okay|fine|better|feel ok|feel fine|back to normal|talking)|(me desmaye|me maree|me dio un mareo|casi me desmayo|se desmayo|me sentia mareado|mareo fuerte|muy mareado|muy mareada) (\w+ ){0,8}(despues de|durante|en) (la |el )?(sesion|puncion|tratamiento|cita|consulta)|(me desmaye|se desmayo) (\w+ ){0,6}(ya|ahora) (\w+ ){0,2}(bien|mejor)|(dizzy|faint|lightheaded|light headed|woozy|sweaty and dizzy|dizzy and sweaty) (\w+ ){0,6}(after|during|on) (the )?(needles|needling|table|session|treatment)|dizzy spell (\w+ ){0,4}(table|session|treatment|needling)|nearly fainted|almost fainted|almost passed out|(me maree|casi me desmayo|casi me caigo|se me nublo todo|me puse blanc[oa]|me dio un mareo) (\w+ ){0,8}(sesion|consulta|camilla|puncion|agujas|ya)|(dizzy|faint|lightheaded|light headed|woozy|funny turn|room (was )?spinning|everything (was )?spinning|went (white|pale|grey|gray)|turned (white|pale)) (\w+ ){0,6}(after|during|on) (the |his |her |my )?(\w+ )?(needles|needling|table|session|treatment|appointment)|(after|during) (the |his |her |my )?(treatment|session|needling|appointment) (\w+ ){0,6}(funny turn|spinning|went (white|pale|grey|gray)|woozy)|(se mareo|se puso (palid[oa]|blanc[oa])|todo (me )?daba vueltas) (\w+ ){0,8}(sesion|consulta|camilla|puncion|agujas|ya)|(despues de|durante) (la |el )?(sesion|puncion|tratamiento|cita) (\w+ ){0,4}(se puso (palid[oa]|blanc[oa])|se mareo|daba vueltas)",
    ),
    (
        Urgency::Fever,
        r"(fever|temperature|high temp|chills|shivering|rigors) (\w+ ){0,8}(unwell|ill|awful|terrible|rough|sick|poorly|weak|achy|shaking)|(unwell|ill|awful|terrible|poorly) (\w+ ){0,6}(fever|temperature|chills)|(running|have|got|with) a (high )?(fever|temperature)|fiebre|escalofrios|temperatura alta|calentura|(temperature|temp|fever) (of )?(3[89]|4[01])([ .,]\d)?|(tiene|tengo|con) (3[89]|4[01])([ ,.]\d)?( grados)?|feverish (\w+ ){0,6}(poorly|unwell|ill|awful|wiped|sweat\w*)|sweating through the night|muy (decaid[oa]|malit[oa])",
    ),
    (
        Urgency::NeedleProblem,
        r"needle (\w+ ){0,3}(broke|broken|snapped|stuck|left|still in)|(broke|snapped) (\w+ ){0,2}(in|under) (my )?skin|piece of (the )?needle|aguja (\w+ ){0,3}(rota|se rompio|partida|se quedo|dentro)|(roto|rompio|partido|partio) (\w+ ){0,2}aguja|se rompio (la|una) aguja|trozo de (la )?aguja|needles? (\w+ ){0,3}(still (in|stuck)|left in|stuck in)|(found|find|there s|theres|is|was) (a |one of the |the |one )?needles? (\w+ ){0,3}(in|stuck in|left in|still in) (my|his|her|the|their)|(metal|wire) (bit|piece|thing)? ?(\w+ ){0,3}(poking|sticking) out|(encontr\w*|tenia|tiene|tengo|hay|habia) (\w+ ){0,2}aguja (\w+ ){0,3}(en (mi|su|el|la)|clavada|todavia|dentro)|aguja (\w+ ){0,2}(todavia|aun|seguia|sigue) clavada|(aguja|needle) (\w+ ){0,2}se (me |le )?quedo",
    ),
];

/// Idioms that use an emergency's words for something else; removed
/// before the signs are looked for.
const IDIOMS: &str = r"(the|la|el) (other|otra|otro) (one |leg |side |calf |arm |pierna |lado |brazo )?(is |looks |seems |esta |se ve )?(normal|fine|ok|okay|bien)|sin querer|without meaning to|by accident|(nearly|almost) had a heart attack (when|at|seeing|because)|(nearly|almost) (fainted|passed out|died|collapsed) (when i saw|seeing|looking at|at) (the |your )?(price|prices|bill|cost|invoice|quote)|(give|gives|gave|giving|gonna give|going to give|nearly gave|almost gave) (me|you|him|her) a heart attack|heart attack (price|prices|bill)|dying (to|for)|(is|are|was) killing me|(is|are|was) (slowly )?killing my (neck|back|shoulders?|knees?|feet|legs?|hips?)|me va a dar algo|kill(s|ing)? me (with|when)|(me|le) (da|dio|va a dar|dan) (un )?(infarto|ataque)|me muero de (ganas|risa|sueno|hambre|verguenza|calor|frio)|(me|te) (esta|estan) matando|me mata (el|la|los|las)|muerto de (risa|ganas|cansancio)|to die for|drop dead gorgeous|scared to death|bored to death|(laughing|laughed) (so hard|till)|hay ?fever|fiebre del heno";
/// Words that deny the sign that follows them within a few words.
const NEGATION: &str = r"(no|not|zero|never|nor|without|dont|doesnt|didnt|dont have|dont feel|didnt have|havent had|havent got|isnt|arent|wasnt|werent|no sign of|free of|sin|ni|nunca|tampoco|no tengo|no siento|no hay)";
/// The past and resolved, when nothing says it is happening now.
const PAST: &str = r"\b(\d+ (yrs?|years?|months?|weeks?) ago|years back|a few years|once|years? ago|months ago|weeks ago|last year|last month|in (19|20)\d\d|as a (kid|child|teenager)|when i was (a |young|little|\d+)|as a baby|used to|back in|long time ago|once had|have had before|history of|hace (\d+ |unos |muchos |varios )?(anos|meses|semanas|tiempo)|de (nino|nina|chico|chica|chiquit[oa]|pequeno|pequena|joven)|in my (teens|twenties|thirties|forties|fifties|\d0s)|in (his|her) (\d0s|teens|twenties|thirties|forties|fifties)|cuando (era|tenia) |el ano pasado|en (19|20)\d\d|antes tenia|ya paso|se me paso|se le paso|(an |my |from an |from my |de una |de mi )?old (sprain|injury|fracture|break|surgery|operation|tear|accident)|(esguince|lesion|fractura|operacion) (antigu[oa]|vieja|de hace anos))\b";
/// Over and done with, whatever else the message says ("all recovered,
/// on aspirin now").
const RESOLVED: &str = r"\b(all recovered|fully recovered|recovered fully|all treated|all clear now|stable since|resolved|no problems since|(all|totally|completely|im|i am|doing|feeling|been) (fine|ok|okay|good|well|stable|better) (now|since)|fine now|stable now|ahora (estoy|esta|todo) (bien|estable|perfect[oa])|(ya|todo) (estoy |esta )?bien ahora|estable desde|sin problemas desde|ya esta curad[oa]|me recupere del todo|totalmente recuperad[oa])\b";
/// A question about a risk, or a hypothetical, rather than a report.
const HYPOTHETICAL: &str = r"\b(((can|could|does|do|will|would|might|may) (it|this|that|dry|needling|the|you|i|they|he|she|someone|anyone|a|an|acupuncture|needles?) (\w+ ){0,5}|(is it possible|how likely|how often) (\w+ ){0,6})(cause|causes|lead to|give (you|me|him|her|them|someone)|result in|puncture|trigger|happen|get|have|suffer|develop)|risk|risks|risky|is (that|this|it) a (thing|risk)|does that happen|chance|chances|possible|possibility|likely|rare|common|danger|dangerous|dangers|side effects?|complications?|is (that|this|it) normal|normal|usual|what if|prevent|to avoid|prevenir|para evitar|what would happen if|what happens if|que pasaria si|what would you do|say i|suppose|supposing|what then|imagine|^if |^si |if i (get|have|feel|start)|if you (get|have|feel)|if (he|she|it|they|someone|somebody|anyone|a patient) (gets?|has|have|feels?|starts?)|in case|what happens if|what should i do if|what do i do if|how (would|will|do) i know|signs? of|symptoms? of|warning signs?|what does .{1,40} (look|feel) like|(puede|pueden|podria|se puede) (\w+ ){0,3}(causar|provocar|dar|pasar|perforar|producir|tener|sufrir)|es posible|riesgoso|que pasa si|que hago si|y si|riesgo|riesgos|efectos secundarios|complicaciones|sintomas de|senales de|como se si|como sabria)\b";
/// Words that make it about the writer (or someone with them), now.
const PRESENT: &str = r"\b(suddenly|all of a sudden|de repente|de golpe|now|right now|currently|at the moment|this morning|this afternoon|this evening|tonight|today|since (this|last|yesterday|the|my|then|an|a|\d)|just now|just (had|collapsed|fainted|fell|took|started|passed out)|started|starting|getting worse|keeps getting|still (out|not|cant|bleeding|numb)|ahora|ahora mismo|hoy|ahorita|desde (esta|ayer|la|el|hace)|esta manana|esta tarde|esta noche|empezo|empeorando|sigue (sin|saliendo|con)|todavia (no|sigue|sangra|estoy|esta|tengo|tiene|me|le)|aun (no|sigue|sangra|estoy|esta|tengo|tiene|me|le))\b";
/// The writer, or someone with them ("my dad", "mi madre").
const FIRST_PERSON: &str =
    r"\b(i|im|ive|id|my|me|mine|we|were|our|us|tengo|estoy|siento|me|mi|mis|nos|estamos|tenemos)\b";
/// A condition rather than a report.
const CONDITIONAL: &str = r"\b(if|when|whenever|in case|unless|say|suppose|supposing|imagine|si|cuando|en caso de|imagina|supongamos)\b";
/// Someone else's story, told as a worry.
const THIRD_PARTY: &str = r"\b(a (guy|man|woman|lady|girl|bloke) (at|from|in)|(he|she) said (his|her)|said (his|her|their)|people say|my (sisters|brothers|friends|mums|moms|dads) (friend|boyfriend|girlfriend|husband|wife)|my (friend|cousin|colleague|coworker|neighbour|neighbor|aunt|uncle|grandma|grandpa|grandmother|grandfather)|a friend|someone i know|i (read|heard|saw)|on (the news|tv|youtube|tiktok|reddit|google)|mi (amig[oa]|prim[oa]|vecin[oa]|compa\w*|abuel[oa])|lei|escuche|vi en)\b";

/// What the rules make of a message, for a model that reads it too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub triage: Triage,
    /// The message names an emergency sign that the rules set aside
    /// (denied, past and resolved, asked about, someone else's story): a
    /// model's emergency reading of the same words must not override that.
    pub emergency_set_aside: bool,
    /// The same for an urgent sign.
    pub urgent_set_aside: bool,
    /// The message without its idioms ("this traffic is killing me"), when
    /// it had any: what a model should read for triage.
    pub without_idioms: Option<String>,
}

struct Rule<C> {
    category: C,
    pattern: Regex,
}

/// The compiled triage rules. Built once and passed in.
pub struct Triager {
    emergency: Vec<Rule<RedFlag>>,
    urgent: Vec<Rule<Urgency>>,
    idioms: Regex,
    negation: Regex,
    past: Regex,
    hypothetical: Regex,
    present: Regex,
    resolved: Regex,
    first_person: Regex,
    conditional: Regex,
    third_party: Regex,
}

impl std::fmt::Debug for Triager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Triager").finish_non_exhaustive()
    }
}

impl Default for Triager {
    fn default() -> Self {
        Self::new()
    }
}

/// The patterns are constants covered by tests; a failure here is a bug.
fn compile(pattern: &str) -> Regex {
    crate::text::folded_pattern(pattern)
}

fn words(pattern: &str) -> Regex {
    compile(&format!(r"\b(?:{pattern})\b"))
}

impl Triager {
    pub fn new() -> Triager {
        Triager {
            emergency: EMERGENCY
                .iter()
                .map(|&(category, p)| Rule {
                    category,
                    pattern: words(p),
                })
                .collect(),
            urgent: URGENT
                .iter()
                .map(|&(category, p)| Rule {
                    category,
                    pattern: words(p),
                })
                .collect(),
            idioms: words(IDIOMS),
            negation: compile(&format!(r"\b{NEGATION}\b((?: \w+){{0,3}}) ?$")),
            past: compile(PAST),
            hypothetical: compile(HYPOTHETICAL),
            present: compile(PRESENT),
            resolved: compile(RESOLVED),
            first_person: compile(FIRST_PERSON),
            conditional: compile(CONDITIONAL),
            third_party: compile(THIRD_PARTY),
        }
    }

    /// The tier of a message, already folded with [`crate::text::fold`].
    pub fn check(&self, folded: &str) -> Triage {
        self.assess(folded).triage
    }

    /// The tier of a message, and what the rules set aside, in one pass
    /// over the signs.
    pub fn assess(&self, folded: &str) -> Assessment {
        let text = self.idioms.replace_all(folded, " ");
        // The idioms that only guard against a sign's words ("by accident")
        // leave nothing for a model to read differently.
        let without_idioms = match &text {
            Cow::Owned(plain)
                if self.idioms.find_iter(folded).any(|m| {
                    !matches!(
                        m.as_str(),
                        "sin querer" | "without meaning to" | "by accident"
                    )
                }) =>
            {
                Some(plain.clone())
            }
            _ => None,
        };
        let answer = |triage| Assessment {
            triage,
            emergency_set_aside: false,
            urgent_set_aside: false,
            without_idioms: without_idioms.clone(),
        };
        // Self-harm is never explained away by context.
        if let Some(rule) = self.emergency.first()
            && rule.category == RedFlag::SelfHarm
            && rule.pattern.is_match(&text)
        {
            return answer(Triage::Emergency(RedFlag::SelfHarm));
        }
        let mut routine = answer(Triage::Routine);
        for rule in &self.emergency {
            match self.reading(&rule.pattern, &text, true) {
                Reading::Reported => return answer(Triage::Emergency(rule.category)),
                Reading::SetAside => routine.emergency_set_aside = true,
                Reading::Absent => {}
            }
        }
        for rule in &self.urgent {
            // Fainting "and fine now" is what the category is about.
            let past_discounts = rule.category != Urgency::FaintRecovered;
            match self.reading(&rule.pattern, &text, past_discounts) {
                Reading::Reported => return answer(Triage::Urgent(rule.category)),
                Reading::SetAside => routine.urgent_set_aside = true,
                Reading::Absent => {}
            }
        }
        routine
    }

    /// Whether the pattern matches, and if so whether somewhere it is
    /// neither denied nor explained away.
    fn reading(&self, pattern: &Regex, text: &str, past_discounts: bool) -> Reading {
        let mut found = Reading::Absent;
        for m in pattern.find_iter(text) {
            if !self.denied(&text[..m.start()])
                && !denied_within(m.as_str())
                && !self.discounted(text, m.start(), m.end(), past_discounts)
            {
                return Reading::Reported;
            }
            found = Reading::SetAside;
        }
        found
    }

    /// Whether the words before a sign deny it: a negation in the same
    /// clause, at most three words before, with no new subject in between
    /// ("no chest pain", "sin dolor de pecho"; not "no, i cant breathe").
    fn denied(&self, before: &str) -> bool {
        let clause = before.rsplit(" but ").next().unwrap_or(before);
        let clause = clause.rsplit(" pero ").next().unwrap_or(clause);
        self.negation.captures(clause).is_some_and(|c| {
            let between = c.get(2).map_or("", |m| m.as_str());
            !between.split_whitespace().any(|w| {
                matches!(
                    w,
                    "i" | "im"
                        | "my"
                        | "he"
                        | "she"
                        | "hes"
                        | "shes"
                        | "we"
                        | "they"
                        | "yo"
                        | "el"
                        | "ella"
                        | "mi"
                        | "now"
                        | "ahora"
                )
            })
        })
    }

    /// Whether a sign (at `start..end`) is past and resolved, a question
    /// about a risk or someone else's story, with nothing that says it is
    /// happening to the writer (or someone with them) now.
    fn discounted(&self, text: &str, start: usize, end: usize, past_discounts: bool) -> bool {
        // Resolved, unless something after that says it is back ("fully
        // recovered, but right now my hand went numb"; a bare "now" is only
        // how things are: "all recovered, on aspirin now").
        if past_discounts
            && let Some(resolved) = self.resolved.find_iter(text).last()
            && !self
                .present
                .find_iter(&text[resolved.end()..])
                .any(|m| !matches!(m.as_str(), "now" | "ahora" | "today" | "hoy"))
        {
            return true;
        }
        if self.present.is_match(text) {
            return false;
        }
        if past_discounts && self.past.is_match(text) {
            return true;
        }
        if !self.hypothetical.is_match(text) {
            return false;
        }
        // "my chest hurts, can needling cause that?" is a report with a
        // question; "can it cause chest pain?" is only the question.
        let before = &text[..start];
        // The four words before the sign, and the sign.
        let lead_start = last_words_start(before, 4);
        // The question runs into the sign ("could it give me an infection"):
        // asked about, not reported.
        if self
            .hypothetical
            .find_iter(before)
            .any(|h| h.end() > lead_start)
        {
            return true;
        }
        let about_writer = self.first_person.is_match(&text[lead_start..end])
            && !self.conditional.is_match(before)
            && !self.third_party.is_match(text);
        !about_writer
    }
}

/// How a sign's pattern reads in a message.
enum Reading {
    Absent,
    /// Named, but denied or explained away everywhere it is.
    SetAside,
    Reported,
}

/// Whether a sign that spans several words takes back its own last
/// word ("calf is sore but not swollen", "pero no esta hinchado"), or
/// ends in a pain it denies ("breathing fine, no sharp pain", "breathing
/// doesnt hurt").
fn denied_within(sign: &str) -> bool {
    let words: Vec<&str> = sign.split_whitespace().collect();
    let tail = &words[words.len().saturating_sub(4)..];
    let denies = |w: &str| {
        matches!(
            w,
            "no" | "not"
                | "doesnt"
                | "dont"
                | "didnt"
                | "isnt"
                | "never"
                | "without"
                | "sin"
                | "ni"
        )
    };
    if let [.., before, last] = tail
        && matches!(
            *last,
            "pain" | "hurt" | "hurts" | "painful" | "dolor" | "duele"
        )
        && (denies(before)
            || tail.len() >= 3
                && denies(tail[tail.len() - 3])
                && matches!(
                    *before,
                    "sharp" | "real" | "bad" | "much" | "any" | "severe" | "chest" | "me"
                ))
    {
        return true;
    }
    tail.windows(2).any(|pair| {
        matches!(pair[0], "but" | "pero" | "though" | "aunque")
            && matches!(
                pair[1],
                "not" | "no" | "isnt" | "arent" | "without" | "sin" | "ni"
            )
    })
}

/// Where the last `n` words of `text` begin (its end if it has none).
fn last_words_start(text: &str, n: usize) -> usize {
    text.split_whitespace()
        .rev()
        .take(n)
        .last()
        .map_or(text.len(), |word| {
            word.as_ptr() as usize - text.as_ptr() as usize
        })
}

#[cfg(test)]
mod tests;
