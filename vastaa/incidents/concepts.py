"""Generic fault concepts in complaints, found by word stems, in Finnish, Turkish and English.

Incident detection groups complaints about the same fault across languages: a Finnish, a
Turkish and an English report of "the kettle leaks" belong together. The multilingual sentence
encoder gets most of the way; a tag such as ``leak`` or ``charged_twice``, found the same way in
all three languages, is a second, language-free signal beside it.

``FAULTS`` holds nearly sixty product-independent faults and symptoms that the care team of a
consumer brand meets (home appliances, electronics, mobile apps, web shop, delivery, billing,
subscriptions); ``OBJECTS`` the generic product types and parts they are about. Entries are
lowercase word *stems*, as in :mod:`vastaa.analysis.lexicons`: a word matches when it starts with
the stem ("vuota" matches "vuotaa", "vuotanut"; "sızdır" matches "sızdırıyor"). A stem of several
words matches a run of words whose last word starts with the stem's last word and whose other
words are equal to the stem's ("ei käynnisty" matches "ei käynnistynyt"). English contractions
are split, so "t turn on" stands for "won't", "doesn't", "can't" and "dont turn on" alike. Turkish
stems are given twice, with and without diacritics ("şarj" and "sarj"), because Turkish is often
typed without them; every text is matched both as written (lowercased) and ASCII-folded, so
"ŞARJ OLMUYOR" and "sarj olmuyor" both find "sarj". Stems are chosen so that innocent words do
not start with them, in any of the three languages ("akıllı" does not start with "akıt",
"vuotta" (years) not with "vuota", "şirket" not with "sirkeli", "latest" not with "late
delivery"); where the ASCII form of a Turkish stem is another common word ("öldü", "oldu"),
only the stem with diacritics is given.

The lists were written from domain knowledge, without looking at the complaints of the
benchmark's test sets (``benchmarks/``), so that grouping measured on them stays an honest
measure. Some were added after the misses of half of the first development set, and six
(``wont_open``, ``drain``, ``wrong_reading``, ``loose``, ``no_sound``, ``no_signal``) after
reading the problem labels, not the complaints, of two later development sets. A text of any
language is checked against the stems of all three languages: complaints mix languages, and
language identification is unreliable on short texts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

Stems = dict[str, tuple[str, ...]]
Table = dict[str, Stems]
# What ``concepts`` accepts: any table of this shape, read only.
AnyTable = Mapping[str, Mapping[str, tuple[str, ...]]]

# fmt: off
FAULTS: Table = {
    "leak": {
        "fi": (
            "vuota", "vuoti", "vuoto", "vuodo", "tiputta", "tippuu vett", "valuu", "valui",
            "valuva", "tihku", "läikky", "lätäkkö", "lätäkö", "lammikko", "lammiko", "kastui",
            "kastunut", "märkä", "märkää", "märäks", "ei pidä vett", "vettä lattia", "vesi lattia",
            "valutta", "lorotta", "liritt", "lainehti",
        ),
        "tr": (
            "sızdır", "sizdir", "sızınt", "sizint", "sızıyo", "siziyo", "sızdı", "sizdi", "akıtıyo",
            "akitiyo", "akıttı", "akitti", "akıtma", "akitma", "akıyo", "akiyo", "su akt", "damlat",
            "damlıyo", "damliyo", "su kaçır", "su kacir", "suyu kaçır", "suyu kacir", "ıslak",
            "islak", "ıslandı", "islandi", "ıslanmış", "islanmis", "ıslanıyo", "islaniyo", "göllen",
            "gollen",
        ),
        "en": (
            "leak", "drip", "seep", "ooz", "puddle", "spill", "water everywhere", "water all over",
            "water on the floor", "soaked", "soaking wet", "pooling", "water under",
        ),
    },
    # Added from the development half's misses (see benchmarks/incidents.py), not the test half.
    "wont_close": {
        "fi": (
            "ei pysy kiinni", "ei mene kiinni", "ponnahta", "aukeaa itsestään", "aukeaa kesken",
            "pysy kiinni",
        ),
        "tr": (
            "kapanmıyo", "kapanmiyo", "kilitlenmiyo", "açık kalıyo", "acik kaliyo",
            "yerinde durmuyo", "kendiliğinden açıl", "kendiliginden acil",
        ),
        "en": (
            "t latch", "t close", "t stay shut", "t stay closed", "pops open", "pops back",
            "pops right back", "springs open", "flips open", "opens by itself",
        ),
    },
    "no_power": {
        "fi": (
            "ei käynnist", "ei lähde päälle", "lähde päälle", "lähe päälle", "mene päälle",
            "lähde käyntiin", "lähe käyntiin", "saa käyntiin", "saa päälle", "ei virtaa",
            "tule virtaa", "ei syty", "ei herää", "kuoli", "kuollut", "täysin kuollut",
            "ei elonmerkk",
        ),
        "tr": (
            "açılmıyo", "acilmiyo", "açılmadı", "acilmadi", "güç gelmiyo", "guc gelmiyo", "güç yok",
            "guc yok", "elektrik gelmiyo", "ışığı yanmıyo", "isigi yanmiyo", "yanmıyo", "yanmiyo",
            "çalıştıram", "calistiram", "öldü", "hiç açılm", "hic acilm", "devreye girmiyo",
            "güç almıyo", "guc almiyo",
        ),
        "en": (
            "t turn on", "t power on", "t switch on", "t come on", "t boot", "t start up",
            "won't start", "not turning on", "not powering on", "not switching on", "no power",
            "is dead", "s dead", "went dead", "completely dead", "totally dead", "stone dead",
            "dead on arrival", "just died", "it died", "has died", "died after", "won't power",
        ),
    },
    "turns_off": {
        "fi": (
            "sammuu", "sammui", "sammuil", "sammuva", "sammunut", "menee pois päält",
            "meni pois päält", "sammuu itsestään", "itsestään pois", "katkeaa kesken",
            "katkesi kesken", "käynnistyy uudel", "käynnistyi uudel", "uudelleenkäynnisty",
            "buuttaa", "bootta", "resetoituu", "resetoitui", "pysähtyy kesken", "pysähtyi kesken",
            "lopettaa kesken", "lopetti kesken",
        ),
        "tr": (
            "kendiliğinden", "kendiliginden", "kendi kendine", "kapanıyo", "kapaniyo", "kapanıp",
            "kapanip", "kapandı", "kapandi", "aniden kapan", "birden kapan", "durduk yere",
            "kesiliyo", "yeniden başlıyo", "yeniden basliyo", "reset atıyo", "reset atiyo",
            "resetleniyo", "yarıda kal", "yarida kal", "yarıda dur", "yarida dur",
        ),
        "en": (
            "turns off", "turned off by itself", "turns itself off", "turning off by",
            "keeps turning off", "shuts off", "shutting off", "shuts down", "shutting down",
            "switches off", "switched off by", "switching off", "keeps switching off", "cuts out",
            "cutting out", "powers off", "powering off", "powered off by", "reboots",
            "restarts itself", "keeps restarting", "randomly restart", "stops halfway", "stops mid",
        ),
    },
    "wont_turn_off": {
        "fi": (
            "ei sammu", "ei sammunut", "ei mene pois päält", "ei katkaise", "ei katkaissut",
            "jää päälle", "jäi päälle", "jäävät päälle", "kiehuu kuiviin", "kiehui kuiviin",
            "kiehuu tyhjäksi", "automaattinen sammu", "automaattisammu", "ei pysähdy",
            "ei pysähtynyt", "sammutettua", "ei lopeta",
        ),
        "tr": (
            "kapanmıyo", "kapanmiyo", "kapanmadı", "kapanmadi", "otomatik kapanma",
            "otomatik kapatma", "kendini kapatmıyo", "kendini kapatmiyo", "kapatmıyo", "kapatmiyo",
            "durmuyo", "durmadan", "kaynamaya devam", "sürekli çalışıyo", "surekli calisiyo",
            "kapatamıyo", "kapatamiyo", "kapatamadı", "kapatamadi",
        ),
        "en": (
            "t turn off", "t switch off", "t shut off", "t shut down", "t stop", "t power off",
            "not turning off", "not switching off", "keeps running", "keeps boiling", "stays on",
            "auto off", "auto shut", "automatic shut", "automatic switch off", "boil dry",
            "boiled dry", "boils dry", "never stops",
        ),
    },
    "overheating": {
        "fi": (
            "ylikuum", "kuumenee liik", "kuumeni liik", "liian kuum", "todella kuum", "tosi kuum",
            "tulikuum", "käy kuumana", "kävi kuumana", "polttaa käde", "poltti käde",
            "polttaa sormi", "poltti sormi", "sulaa", "suli", "sulanut", "sulaneet", "kuumuu liik",
            "palovamm",
        ),
        "tr": (
            "aşırı ısın", "asiri isin", "çok ısın", "cok isin", "fazla ısın", "fazla isin",
            "aşırı sıcak", "asiri sicak", "çok sıcak", "cok sicak", "elimi yakt", "elimi yak",
            "eridi", "eriyo", "erimiş", "erimis", "alev gibi", "ateş gibi", "ates gibi",
        ),
        "en": (
            "overheat", "too hot", "very hot", "extremely hot", "dangerously hot", "scalding",
            "burning hot", "burned my", "burnt my", "melted", "melting", "melts", "meltdown",
            "gets hot", "got hot", "gets really hot", "gets very hot", "hot to the touch", "scorch",
            "boiling hot",
        ),
    },
    "not_heating": {
        "fi": (
            "ei lämpene", "ei lämmennyt", "ei kuumene", "ei kuumentunut", "ei kiehu", "ei kiehunut",
            "ei lämmitä", "ei lämmit", "lämmitys ei", "haalea", "haalee", "haalia", "jää kylmäksi",
            "jäi kylmäksi", "jää haale", "jäi haale", "kylmää kahvi", "kylmä kahvi", "kylmää vettä",
            "ei kuumu", "ei lämpiä",
        ),
        "tr": (
            "ısıtmıyo", "isitmiyo", "ısıtmadı", "isitmadi", "ısınmıyo", "isinmiyo", "ısınmadı",
            "isinmadi", "kaynamıyo", "kaynamiyo", "kaynamadı", "kaynamadi", "kaynatmıyo",
            "kaynatmiyo", "ılık", "ilik", "soğuk kalıyo", "soguk kaliyo", "soğuk çıkıyo",
            "soguk cikiyo", "sıcak değil", "sicak degil", "soğuk geliyo", "soguk geliyo",
        ),
        "en": (
            "lukewarm", "luke warm", "not hot", "not heating", "t heat", "t boil", "not boiling",
            "cold coffee", "comes out cold", "stays cold", "barely warm", "never gets hot",
            "t get hot", "t warm", "no heat", "not warm", "not warming",
        ),
    },
    "error_code": {
        "fi": (
            "virhekood", "virheilmoit", "virheviest", "vikakood", "vikailmoit", "tulee virhe",
            "antaa virhe", "näytössä lukee", "näytöllä lukee", "näyttöön tulee", "näytössä on",
            "vilkku", "punainen valo", "merkkivalo", "valo palaa punai",
        ),
        "tr": (
            "hata kod", "hata ver", "hata mesaj", "hata al", "hata çık", "hata cik", "hata uyar",
            "hatası", "hatasi", "uyarı ver", "uyari ver", "uyarı ışığ", "uyari isig", "ikaz",
            "yanıp sön", "yanip son", "kırmızı ışık", "kirmizi isik", "ekranda yazıyo",
            "ekranda yaziyo", "ekranda yazı", "ekranda yazi",
        ),
        "en": (
            "error", "fault code", "err code", "blink", "flashing", "lights flash", "light flash",
            "keeps flashing", "red light", "warning light", "warning message", "display shows",
            "screen shows", "screen says", "display says", "shows code", "says code",
        ),
    },
    "noise": {
        "fi": (
            "outo ääni", "outoa ääntä", "ääntä", "ääniä", "kova ääni", "kovaa ääntä",
            "kummallinen ääni", "kummallista ääntä", "pitää ääntä", "pitää kovaa", "äänek",
            "meteli", "melu", "kolis", "kolina", "kolah", "rämis", "räminä", "ritis", "rapise",
            "rapina", "narise", "narina", "vinku", "vinkuna", "kirsku", "sirise", "suris", "surina",
            "pärise", "pärinä", "piippa", "naksu", "naksah", "paukku", "hurina", "hurise", "kitise",
            "tärise", "täris",
        ),
        "tr": (
            "ses yapıyo", "ses yapiyo", "ses çıkarıyo", "ses cikariyo", "ses geliyo", "çok ses",
            "cok ses", "garip ses", "tuhaf ses", "acayip ses", "gürültü", "gurultu", "tıkırt",
            "tikirt", "tıkırd", "tikird", "takırt", "takirt", "gıcır", "gicir", "vızılt", "vizilt",
            "uğult", "ugult", "uğulda", "ugulda", "cızırt", "cizirt", "titreşim", "titresim",
            "titriyo", "bip ses", "ötüyo", "otuyo",
        ),
        "en": (
            "noise", "noisy", "loud", "rattl", "squeak", "squeal", "screech", "buzz", "humming",
            "hums", "clicking noise", "clicking sound", "clunk", "clank", "whine", "whining",
            "beep", "vibrat", "strange sound", "weird sound", "funny sound", "grinding noise",
            "grinding sound",
        ),
    },
    "smell": {
        "fi": (
            "haise", "haisu", "haju", "löyhk", "lemu", "käry", "käräh", "palaneen", "palaneelt",
            "kemikaalin", "muovin haju", "muovinhaju", "katku",
        ),
        "tr": (
            "koku", "kokmuş", "kokmus", "koktu", "leş gibi", "les gibi", "yanık kok", "yanik kok",
            "pis kok", "plastik kok",
        ),
        "en": ("smell", "stink", "stench", "odor", "odour", "fumes", "reek", "whiff"),
    },
    "taste": {
        "fi": (
            "makua", "makuin", "maistu", "sivumaku", "jälkimaku", "muovinmaku", "metallinmaku",
            "maku on", "outo maku", "paha maku", "huono maku", "kitkerä", "pahanmaku",
        ),
        "tr": (
            "tadı", "tadi", "tat ver", "tat bırak", "tat birak", "kötü tat", "kotu tat",
            "tuhaf tat", "garip tat", "metal tad", "plastik tad", "lezzet", "acımsı", "acimsi",
        ),
        "en": ("taste", "tasting", "flavo", "aftertaste", "bitter"),
    },
    "defective": {
        "fi": (
            "ei toimi", "ei enää toimi", "lakkas", "lakannut", "toimimasta", "toimimatta", "vika",
            "viallin", "viallis", "vioittu", "epäkunno", "toimii huonosti", "toimii väärin",
            "ei toiminut",
        ),
        "tr": (
            "çalışmıyo", "calismiyo", "çalışmadı", "calismadi", "çalışmaz", "calismaz", "bozuk",
            "bozul", "arıza", "ariza", "defolu", "hatalı", "hatali", "sorunlu", "düzgün çalışmı",
            "duzgun calismi",
        ),
        "en": (
            "not working", "t work", "stopped working", "quit working", "faulty", "defect",
            "malfunction", "broke down", "broken down", "not functioning", "t function",
            "out of order", "dodgy",
        ),
    },
    "broken_part": {
        "fi": (
            "rikki", "rikko", "hajo", "irtos", "irronn", "irtoa", "irtoil", "lähti irti",
            "tuli irti", "on irti", "katkesi", "katkenn", "murtu", "lohkes", "väänty", "vääntyn",
            "taipui", "löystyi", "löysällä", "löysä", "heiluu", "rikkinäi", "sarana", "saranat",
        ),
        "tr": (
            "kırıldı", "kirildi", "kırılmış", "kirilmis", "kırılıyo", "kiriliyo", "kırık", "kirik",
            "koptu", "kopmuş", "kopmus", "kopuyo", "yerinden çık", "yerinden cik", "gevşe", "gevse",
            "sallanıyo", "sallaniyo", "eğildi", "egildi", "büküldü", "bukuldu", "menteşe",
            "mentese",
        ),
        "en": (
            "broken", "broke", "snapped", "came off", "fell off", "come off", "comes off",
            "came loose", "come loose", "loose", "wobbl", "bent", "fell apart", "falling apart",
            "falls apart", "hinge",
        ),
    },
    "cracked": {
        "fi": ("halke", "halkes", "halkea", "halkei", "särö", "sirpal", "pirstal", "murtum"),
        "tr": ("çatla", "catla", "çatlak", "catlak", "kılcal çatlak", "kilcal catlak"),
        "en": ("crack", "shatter", "chipped", "splinter", "hairline"),
    },
    "rust_peeling": {
        "fi": (
            "ruost", "hilseil", "hiutale", "hiutalei", "kuoriutu", "kuoriutunut", "pinnoite irto",
            "pinnoitteen", "pinnoite lähte", "maali lähte", "maali irto", "hiukkasi",
            "mustia hiukk", "valkoisia hiukk", "valkoisia hiutal",
        ),
        "tr": (
            "paslan", "paslı", "pasli", "pas tut", "korozyon", "soyuluyo", "soyulmuş", "soyulmus",
            "kaplama", "dökülüyo", "dokuluyo", "pul pul", "parçacık", "parcacik", "kabardı",
            "kabardi",
        ),
        "en": (
            "rust", "corrod", "corros", "flakes", "flaking", "flaked", "peel", "particles",
            "coating", "black bits", "white bits", "bits in the", "specks",
        ),
    },
    "mould": {
        "fi": (
            "homeh", "hometta", "homeinen", "homeess", "homeen", "homeita", "homeet", "bakteer",
            "ötökk", "muurahai", "hyönteis", "limaa", "limainen",
        ),
        "tr": (
            "küflen", "kuflen", "küflü", "kuflu", "küf kok", "kuf kok", "küf tut", "kuf tut",
            "küf var", "kuf var", "bakteri", "böcek", "bocek", "karınca", "karinca",
        ),
        "en": (
            "mould", "mouldy", "mold", "mildew", "fungus", "fungal", "bacteri", "slime", "insect",
            "cockroach", "maggot", "mites",
        ),
    },
    "hazard": {
        "fi": (
            "savua", "savusi", "savutt", "savuava", "savuja", "savun haju", "savunhaju", "kipin",
            "kipinö", "liekk", "tulipalo", "palovaara", "syttyi palamaan", "syttyi tuleen",
            "tuleen", "sähköisk", "löi sähköt", "oikosul", "räjäht", "räjähd", "sulake", "sulakke",
            "vikavirtasuoj", "vaarallin", "hengenvaar",
        ),
        "tr": (
            "duman", "tütüyo", "kıvılcım", "kivilcim", "alev aldı", "alev aldi", "alevlen",
            "alev çık", "alev cik", "yangın", "yangin", "elektrik çarp", "elektrik carp",
            "kısa devre", "kisa devre", "patladı", "patladi", "patlamış", "patlamis",
            "sigorta attı", "sigorta atti", "sigortayı attır", "sigortayi attir", "tehlike",
        ),
        "en": (
            "smoke", "smoking", "sparks", "sparked", "sparking", "caught fire", "on fire",
            "fire hazard", "started a fire", "flame", "explod", "electric shock", "electrocut",
            "shocked me", "got a shock", "short circuit", "fuse blew", "blew the fuse",
            "blew a fuse", "tripped the", "trips the", "hazard", "dangerous",
        ),
    },
    "battery_drain": {
        "fi": (
            "akku loppu", "akku tyhjen", "akku kest", "akun kest", "akunkest", "akku ei kest",
            "akku hyyty", "akku kulu", "akku hupen", "akku on huono", "akku turpo", "akku paisu",
            "tyhjenee", "tyhjeni", "hupenee", "virta loppu", "virrat loppu", "akku kuoli",
            "turvonn", "paisunut",
        ),
        "tr": (
            "çabuk bitiyo", "cabuk bitiyo", "hemen bitiyo", "çabuk biti", "cabuk biti", "pil ömr",
            "pil omr", "batarya ömr", "batarya omr", "şarj süre", "sarj sure", "şarj tutmu",
            "sarj tutmu", "pili bit", "pil bit", "şarjı bit", "sarji bit", "şarjı çabuk",
            "sarji cabuk", "batarya şiş", "batarya sis", "pil şiş", "pil sis", "şişti", "sisti",
            "şişmiş", "sismis",
        ),
        "en": (
            "battery dr", "battery life", "battery di", "battery las", "battery only",
            "battery run", "battery won", "battery doesn", "battery is dead", "out of battery",
            "hold a charge", "hold charge", "holds charge", "holding charge", "holding a charge",
            "swollen", "battery swell", "dies fast", "dies quickly", "drains fast",
            "drains quickly", "draining fast",
        ),
    },
    "charging": {
        "fi": ("latau", "lataa", "ladatt", "lataannu", "ota virtaa"),
        "tr": ("şarj", "sarj"),
        "en": (
            "charging", "recharg", "t charge", "not charge", "full charge", "fully charged",
            "charge port", "charge it", "longer charg", "stays dead", "to charge",
        ),
    },
    "connectivity": {
        "fi": (
            "wifi", "wi fi", "wlan", "bluetooth", "yhteys katke", "yhteys pätki", "yhteys ei",
            "yhteysongelm", "yhteysvirh", "yhdistä", "yhdisty", "pariliit", "paritu", "parittaa",
            "verkkoon", "verkkoyhtey", "offline", "ei löydä laite", "reititin", "reitittim",
            "katkeil", "kantama", "synkronoi", "synkkaa", "ei löydy sovellu", "näy sovellu",
        ),
        "tr": (
            "bağlan", "baglan", "bağlantı", "baglanti", "wifi", "wi fi", "bluetooth", "eşleş",
            "esles", "eşleşt", "eslest", "internet", "modem", "sinyal", "çevrim dışı",
            "cevrim disi", "ağa bağ", "aga bag", "senkroniz", "cihazı bulam", "cihazi bulam",
            "cihazı görm", "cihazi gorm", "görünmüyo", "gorunmuyo",
        ),
        "en": (
            "wifi", "wi fi", "bluetooth", "connect", "disconnect", "pairing", "paired", "t pair",
            "unpair", "re pair", "offline", "network", "router", "signal", "sync", "out of range",
            "show up", "find the device", "find my device",
        ),
    },
    "update": {
        "fi": (
            "päivity", "päivityks", "päivitti", "päivitin", "päivitet", "päivittämi", "päivittänyt",
            "päivitty", "uusin versio", "uuden version", "uusi versio", "firmis", "firmware",
            "ohjelmistopäiv", "ohjelmistoversi",
        ),
        "tr": (
            "güncelle", "guncelle", "yazılım", "yazilim", "sürüm", "surum", "versiyon", "firmware",
        ),
        "en": (
            "update", "updat", "upgrade", "firmware", "new version", "latest version",
            "software version",
        ),
    },
    "data_lost": {
        "fi": (
            "nollaantu", "nollautu", "tehdasaset", "ei tallennu", "tallennu", "tallentu",
            "tiedot hävi", "tiedot katos", "tiedot poist", "asetukset hävi", "asetukset katos",
            "asetukset poist", "asetukset nolla", "kartta hävi", "kartat hävi", "kartta katos",
            "kartat katos", "kartta poist", "kartat poist", "historia hävi", "historia katos",
            "historia poist", "pyyhkiyty", "pyyhkiytyi", "unohtaa asetuk", "unohti asetuk",
            "unohtaa kart", "unohti kart", "menetin", "unohti", "unohtanut",
        ),
        "tr": (
            "silindi", "silinmiş", "silinmis", "sıfırlandı", "sifirlandi", "sıfırlan", "sifirlan",
            "ayarlar gitti", "ayarlar silin", "ayarlarım gitti", "ayarlarim gitti", "harita silin",
            "harita kaybol", "haritam", "geçmiş silin", "gecmis silin", "verilerim",
            "veriler silin", "kaydetmiyo", "kaydetmedi", "fabrika ayar", "hafızası sil",
            "hafizasi sil", "sildi", "silmiş", "silmis", "harita gitti",
        ),
        "en": (
            "wiped", "erased", "reset itself", "resets itself", "factory reset", "factory settings",
            "lost my data", "lost my settings", "lost my map", "lost all my", "lost the map",
            "deleted my", "got deleted", "was deleted", "were deleted", "been deleted", "t save",
            "not saving", "settings gone", "data is gone", "forgets", "forgetting",
            "lost my history", "history is gone", "forgot", "resets the", "reset the map",
        ),
    },
    "login": {
        "fi": (
            "kirjaut", "kirjaud", "salasan", "tunnukse", "tunnuks", "käyttäjätun", "sisäänkirj",
            "pääse sisään", "pääse tilille", "tili lukit", "lukittu", "vahvistuskood",
            "tunnistautu", "kirjaa ulos", "heitti ulos", "heittää ulos", "heittää pihalle",
            "kaksivaihei",
        ),
        "tr": (
            "giriş", "giris", "giremiyo", "giremedim", "oturum", "şifre", "sifre", "parola",
            "hesabıma gir", "hesabima gir", "hesaba gir", "doğrulama kod", "dogrulama kod",
            "sms kod", "sms gelmiyo", "çıkış yap", "cikis yap", "hesabım kilit", "hesabim kilit",
            "kilitlendi",
        ),
        "en": (
            "log in", "login", "logging in", "logged out", "logs me out", "logs out",
            "logged me out", "sign in", "signin", "signing in", "signed out", "password",
            "passcode", "locked out", "account locked", "verification code", "two factor", "2fa",
            "otp", "authenticat", "username", "credential",
        ),
    },
    "crash": {
        "fi": (
            "kaatu", "kaatuil", "jumitt", "jumiut", "jäätyy", "jäätyi", "jäätyny", "jäätyil",
            "sulkeutu", "hyytyy", "bugi", "bugaa", "bugaile", "bugitt", "ei aukea", "ei avaudu",
            "ei aukene", "heittää pois sovelluk", "sovellus sulkeu",
        ),
        "tr": (
            "çöküyo", "cokuyo", "çöktü", "çökme", "cokme", "uygulama donuyo", "telefon donuyo",
            "sürekli donuyo", "surekli donuyo", "donup kal", "donma", "uygulama kapan",
            "uygulamadan atıyo", "uygulamadan atiyo", "uygulamadan at", "hata verip kapan",
            "açılır açılmaz", "acilir acilmaz", "açılmadan kapan", "acilmadan kapan",
        ),
        "en": (
            "crash", "freez", "froze", "glitch", "buggy", "bugs", "closes itself", "keeps closing",
            "force close", "app closes", "kicks me out", "t open the app", "app won't open",
            "app doesn't open", "unresponsive app",
        ),
    },
    "slow": {
        "fi": (
            "hidas", "hitaa", "tökki", "tökkii", "lagaa", "lagitt", "lagaile", "pätkii", "nykii",
            "nykiv", "kestää ikuisuu", "kesti ikuisuu", "latautuu hitaa",
        ),
        "tr": (
            "yavaş", "yavas", "kasıyo", "kasiyo", "kasma", "yüklenmiyo", "yuklenmiyo", "yüklenmedi",
            "yuklenmedi", "geç açılıyo", "gec aciliyo", "geç yükleniyo", "gec yukleniyo", "takılma",
            "takilma",
        ),
        "en": (
            "slow", "lag", "sluggish", "takes forever", "loading forever", "keeps loading",
            "t load", "won't load", "spinning", "buffering",
        ),
    },
    "unresponsive": {
        "fi": (
            "ei reagoi", "ei reagoinut", "ei tottele", "nappi ei", "napit ei", "painike ei",
            "painikkeet ei", "nappula ei", "nappulat ei", "kosketusnäyttö ei", "ei tapahdu mitään",
            "mitään ei tapahdu", "ei tee mitään", "ei reaktio",
        ),
        "tr": (
            "tepki vermiyo", "tepki vermedi", "tepki yok", "tepkisiz", "tuşlar çalışmıyo",
            "tuslar calismiyo", "tuşlara basınca", "tuslara basinca", "düğme çalışmıyo",
            "dugme calismiyo", "dokunmatik", "hiçbir şey olmuyo", "hicbir sey olmuyo", "algılamıyo",
            "algilamiyo",
        ),
        "en": (
            "unresponsive", "not responding", "stopped responding", "nothing happens",
            "does nothing", "button doesn", "buttons don", "button won", "buttons won",
            "touch doesn", "touchscreen doesn", "t register",
        ),
    },
    "screen_fault": {
        "fi": (
            "näyttö pim", "näyttö ei", "näyttö on mus", "näyttö väl", "näyttö vil", "näyttö sammu",
            "näyttö jäätyy", "musta ruutu", "mustaa ruutua", "musta näyttö", "ruutu pim",
            "ruutu mus", "välkky", "pikseli", "viivoja näyt", "näytössä viiv",
        ),
        "tr": (
            "ekran karar", "ekran kara", "ekran siyah", "siyah ekran", "beyaz ekran", "ekran beyaz",
            "ekran titri", "ekran gitti", "ekran yanmıyo", "ekran yanmiyo", "ekranda çizgi",
            "ekranda cizgi", "ölü piksel", "olu piksel", "ekran donuyo", "ekran açılmıyo",
            "ekran acilmiyo", "ekran bozuk", "ekran gitmiş", "ekran gitmis",
        ),
        "en": (
            "black screen", "blank screen", "screen is black", "screen goes black",
            "screen went black", "screen is blank", "display is blank", "flicker", "dead pixel",
            "stuck pixel", "display doesn", "screen doesn", "screen won", "display won",
            "lines on the screen", "white screen", "screen froze",
        ),
    },
    "stuck": {
        "fi": (
            "jumissa", "jumiin", "jumahta", "juuttu", "juutt", "jäi kiinni", "jää kiinni",
            "jäävät kiinni", "takku", "sotkeutu", "kietoutu", "kiertyy", "kiertyi", "ei liiku",
            "ei pyöri", "lakkasi pyörimä", "pyörimästä",
        ),
        "tr": (
            "sıkıştı", "sikisti", "sıkışıyo", "sikisiyo", "sıkışma", "sikisma", "sıkışmış",
            "sikismis", "takıldı", "takildi", "takılı kal", "takili kal", "takılıp kal", "takılıyo",
            "takiliyo", "takilip kal", "dolanıyo", "dolaniyo", "dolanmış", "dolanmis", "düğüm",
            "dugum", "hareket etmiyo", "hareket edemiyo", "fırça dönmü", "firca donmu", "dönmüyo",
        ),
        "en": (
            "stuck", "jam", "tangl", "wrapped around", "wraps around", "caught in", "t move",
            "trapped", "wedged", "t spin", "stopped spinning",
        ),
    },
    "clogged": {
        "fi": (
            "tukko", "tukkeu", "tukossa", "tukkii", "tukkiutu", "tukos", "ei tule vett",
            "vettä ei tule", "kahvia ei tule", "ei tule kahvi", "ei tule mitään", "ei pumppaa",
            "pumppu ei",
        ),
        "tr": (
            "tıkan", "tikan", "tıkalı", "tikali", "su gelmiyo", "su akmıyo", "su akmiyo",
            "kahve gelmiyo", "su çekmiyo", "su cekmiyo", "pompa çalışmıyo", "pompa calismiyo",
        ),
        "en": (
            "clog", "blocked", "blockage", "bunged", "nothing comes out", "no water comes",
            "water doesn't come", "coffee doesn't come", "t pump", "not pumping",
        ),
    },
    "weak_performance": {
        "fi": (
            "imuteh", "imee huon", "ei ime", "imu heikk", "imuteho heikk", "heikko", "heikost",
            "heikke", "heikenty", "teho laski", "teho on las", "ei puhdista", "ei siivoa",
            "siivoaa huon", "puhdistaa huon", "jättää ros", "jättää lik", "jättää mur",
            "jättää pöly", "ei kerää", "keräämättä",
        ),
        "tr": (
            "emiş güc", "emis guc", "emmiyo", "çekmiyo", "cekmiyo", "çekiş güc", "cekis guc",
            "temizlemiyo", "iyi temizlemi", "toz bırakıyo", "toz birakiyo", "toplamıyo",
            "toplamiyo", "zayıf", "zayif", "güçsüz", "gucsuz", "performans düş", "performans dus",
        ),
        "en": (
            "suction", "weak", "t clean", "not cleaning", "leaves dirt", "leaves crumbs",
            "leaves dust", "misses spots", "poor performance", "lost power", "losing power",
            "less powerful", "underpowered", "t pick up", "not picking up",
        ),
    },
    "navigation": {
        "fi": (
            "eksy", "ympyrää", "törmäil", "törmää", "törmäs", "portai", "ei löydä telak",
            "ei palaa telak", "telakalle", "telakkaan", "telakoi", "navigoi", "navigaat", "reitti",
            "reitin", "ei löydä kotiin", "ei löydä latau", "ei palaa latau", "kartoit",
        ),
        "tr": (
            "yolunu bul", "yolunu kaybed", "duvara çarp", "duvara carp", "eşyalara çarp",
            "esyalara carp", "merdiven", "dönüp duruyo", "donup duruyo", "aynı yerde dön",
            "ayni yerde don", "daireler çiz", "daireler ciz", "istasyona dönm", "istasyona donm",
            "istasyonu bul", "istasyonu bulam", "haritalam", "navigasyon", "rotası", "rotasi",
            "rotayı", "rotayi",
        ),
        "en": (
            "navigat", "bumps into", "bumping", "circles", "spins in", "lost its way", "gets lost",
            "find its way", "find the dock", "return to dock", "return to the dock",
            "return to base", "back to the dock", "back to base", "fell down the stairs",
            "falls down the stairs", "stairs", "cliff sensor", "mapping",
        ),
    },
    "cleaning": {
        "fi": (
            "kalkki", "kalkinpoist", "kalkin poist", "kalkeu", "kalkkeu", "puhdist", "likai",
            "likaa", "likaantu", "tahra", "tahro", "saostum", "etikka", "etikal", "sitruunahap",
            "huuhtel", "pestä", "pesty", "pestävä", "puhdistaminen",
        ),
        "tr": (
            "kireç", "kirec", "temizle", "temizli", "yıka", "yika", "kirli", "kirlen", "leke",
            "sirkeli", "sirkeyle", "sirke ile", "sirke ve", "limon tuzu", "tortus", "tortul",
            "tortu bırak", "tortu birak", "tortu var", "bakım", "bakim", "durula", "kalıntı",
            "kalinti",
        ),
        "en": (
            "descal", "limescale", "lime scale", "calcium", "deposits", "cleaning", "to clean",
            "clean it", "clean the", "cleaned", "wash", "rinse", "dirty", "dirt", "residue",
            "stain", "buildup", "build up", "gunk", "grime",
        ),
    },
    "notifications": {
        "fi": (
            "ilmoitu", "ilmoituks", "notifikaa", "notski", "notskar", "hälyty", "muistutu",
            "muistutuks", "ei ilmoita",
        ),
        "tr": ("bildirim", "hatırlatma", "hatirlatma", "alarm"),
        "en": ("notif", "alert", "reminder", "alarm"),
    },
    "wont_open": {
        "fi": (
            "ei aukea", "ei aukene", "ei aukee", "ei saa auki", "ei saa avattua", "lukkiutu",
            "jäi lukkoon", "jää lukkoon", "lukossa",
        ),
        "tr": (
            "açılmıyo", "acilmiyo", "açılmadı", "acilmadi", "kilitli kal", "kilitlendi",
            "kilitlenmiş", "kilitlenmis", "kilidi açılmı", "kilidi acilmi",
        ),
        "en": (
            "t open", "stays locked", "stayed locked", "locked shut", "door locked",
            "door is locked", "still locked", "t unlock",
        ),
    },
    "drain": {
        "fi": (
            "ei tyhjenn", "ei tyhjene", "tyhjennys", "poistovesi", "poistovett", "vesi jää",
            "vesi jäi", "vettä jää", "vettä jäi", "seisova vesi", "seisovaa vett", "poistoletk",
            "pumppu",
        ),
        "tr": (
            "suyu boşaltmı", "suyu bosaltmi", "su boşaltmı", "su bosaltmi", "boşaltmıyo",
            "bosaltmiyo", "tahliye", "su kalıyo", "su kaliyo", "su kaldı", "su kaldi",
            "içinde su", "icinde su", "pompa",
        ),
        "en": (
            "t drain", "not drain", "drain pump", "drain hose", "drain filter", "drainage",
            "standing water", "water left", "still full of water", "t empty", "pump",
        ),
    },
    "wrong_reading": {
        "fi": (
            "väärä lukema", "väärät lukemat", "väärin mittaa", "mittaa väärin", "näyttää väärin",
            "näyttää väärää", "epätarkk", "lukemat", "syke", "sykk", "pulssi", "askelmit",
        ),
        "tr": (
            "yanlış ölç", "yanlis olc", "hatalı ölç", "hatali olc", "yanlış göster",
            "yanlis goster", "yanlış değer", "yanlis deger", "saçma değer", "sacma deger",
            "nabız", "nabiz", "nabz", "ölçüm", "olcum", "adım say", "adim say",
        ),
        "en": (
            "wrong reading", "inaccurate", "reads wrong", "readings", "shows wrong",
            "wrong value", "heart rate", "bpm", "measur", "step count", "way off",
        ),
    },
    "loose": {
        "fi": ("heiluu", "heilu", "löysä", "löystyn", "lonks", "klonk", "huoju", "välys"),
        "tr": (
            "sallan", "gevşe", "gevse", "oynama yap", "boşluk var", "bosluk var",
            "boşluk yap", "bosluk yap", "lık lık", "lik lik",
        ),
        "en": ("wobbl", "loose", "rattl", "shaky", "play in the"),
    },
    "no_sound": {
        "fi": (
            "ei ääntä", "ei tule ääntä", "ei kuulu ääntä", "ääni katke", "ääni pätki",
            "ääni häviää", "ääni hävis", "ääni lakka", "äänetön", "äänet katke", "äänet pätk",
            "mykisty",
        ),
        "tr": (
            "ses gelmi", "ses yok", "ses kesil", "ses gidiyo", "ses gitti", "ses kopuyo",
            "sessiz kal", "ses vermiyo",
        ),
        "en": (
            "no sound", "no audio", "sound cuts", "sound drops", "sound keeps", "audio cuts",
            "audio drops", "audio keeps", "lose sound", "lost sound", "loses sound",
            "loses audio", "lost audio", "sound goes", "audio goes", "goes silent",
        ),
    },
    "no_signal": {
        "fi": (
            "ei signaalia", "signaali katke", "signaali häv", "signaali pätk", "ei kuvaa",
            "kuva katke", "kuva häviää", "kuva pätki", "kuva pimen",
        ),
        "tr": (
            "sinyal yok", "sinyal kesil", "sinyal gidiyo", "sinyal gitti", "görüntü gidiyo",
            "goruntu gidiyo", "görüntü kesil", "goruntu kesil", "görüntü gitti",
            "goruntu gitti", "görüntü yok", "goruntu yok",
        ),
        "en": (
            "no signal", "signal drop", "signal lost", "loses signal", "lost signal",
            "losing signal", "signal keeps", "picture cuts", "picture drops", "picture goes",
            "no picture",
        ),
    },
    "payment_failed": {
        "fi": (
            "maksu ei", "maksu epäon", "maksu hyl", "maksu keske", "maksu kaatu", "maksu jum",
            "maksaminen ei", "kortti hyl", "korttia ei", "kortti ei", "maksu hylättiin",
            "pysty maksa", "saa maksettua", "onnistu maksa", "maksuvirh", "maksutapahtuma ei",
            "maksaminen epäon",
        ),
        "tr": (
            "ödeme alınama", "odeme alinama", "ödeme yapam", "odeme yapam", "ödeme başarısız",
            "odeme basarisiz", "ödeme hata", "odeme hata", "ödeme yaparken hata",
            "odeme yaparken hata", "ödemede", "odemede", "ödeme geçmiyo", "odeme gecmiyo",
            "ödeme onaylanma", "odeme onaylanma", "kart reddedil", "kartım reddedil",
            "kartim reddedil", "ödeme reddedil", "odeme reddedil", "kart kabul etm",
            "kartım geçmiyo", "kartim gecmiyo", "işlem başarısız", "islem basarisiz",
            "ödeme olmuyo", "odeme olmuyo", "ödeme gerçekleşm", "odeme gerceklesm", "3d secure",
            "ödeme adım", "odeme adim", "ödeme sayfa", "odeme sayfa",
        ),
        "en": (
            "payment fail", "payment declin", "payment error", "payment issue", "payment problem",
            "payment won", "payment didn", "payment doesn", "payment isn", "payment not",
            "declined", "t go through", "not go through", "not going through", "transaction fail",
            "unable to pay", "can't pay", "cannot pay", "checkout", "3d secure", "payment page",
        ),
    },
    "charged_twice": {
        "fi": (
            "kahdesti veloit", "kahdesti samasta", "kahdesti sama", "maksu kahdesti",
            "veloitus kahdesti", "veloituksen kahdesti", "kortilta kahdesti", "kortiltani kahdesti",
            "tililtä kahdesti", "tililtäni kahdesti", "veloitettiin kahdesti", "veloitti kahdesti",
            "veloitettu kahdesti", "maksoin kahdesti", "maksettu kahdesti", "otettiin kahdesti",
            "kahteen kertaan", "kahteen kertaa", "tuplaveloi", "tuplaveloit", "tuplamaks",
            "tuplaveto", "tuplana", "kaksinkertainen veloit", "veloitettiin kaksi",
            "ylimääräinen veloitus", "ylimääräisen veloituksen", "ylimääräinen maksu", "yliveloi",
            "veloitettiin liikaa", "veloitti liikaa", "liikaa rahaa",
        ),
        "tr": (
            "iki kez çek", "iki kez cek", "iki kere çek", "iki kere cek", "iki defa çek",
            "iki defa cek", "iki kez tahsil", "iki kere tahsil", "iki defa tahsil", "iki kez öde",
            "iki kez ode", "iki kere öde", "iki kere ode", "iki kez ücret", "iki kez ucret",
            "iki kez yansı", "iki kez yansi", "mükerrer", "mukerrer", "çift çekim", "cift cekim",
            "çift ödeme", "cift odeme", "fazladan çekil", "fazladan cekil", "fazla para çekil",
            "fazla para cekil", "fazladan ücret", "fazladan ucret", "iki kere para", "iki kez para",
        ),
        "en": (
            "charged twice", "charged me twice", "charged two", "charged double", "double charg",
            "double bill", "billed twice", "billed me twice", "paid twice", "taken twice",
            "duplicate charg", "duplicate payment", "duplicate transaction", "overcharg",
            "charged again", "charged me again", "extra charge",
        ),
    },
    "refund": {
        "fi": (
            "hyvity", "hyvitet", "hyvitt", "hyvitä", "rahat takaisin", "rahani takaisin",
            "rahaa takaisin", "rahat palaut", "rahani palaut", "rahojen palaut", "rahan palaut",
            "rahanpalaut", "palauttakaa rahat", "raha takaisin", "takaisinmaks", "rahoja ei",
            "rahani",
        ),
        "tr": (
            "para iade", "paramı", "parami", "param geri", "para geri", "geri öde", "geri ode",
            "ücret iade", "ucret iade", "iade yatm", "iade yapıl", "iade yapil", "karta iade",
            "kartıma iade", "kartima iade", "hesabıma iade", "hesabima iade", "iadesi yapıl",
            "iadesi yapil", "iade edilmed", "yatmadı", "yatmadi",
        ),
        "en": (
            "refund", "money back", "reimburs", "my money", "credit back", "chargeback",
            "charge back",
        ),
    },
    "discount_code": {
        "fi": (
            "alennuskood", "alekood", "kampanjakood", "etukood", "promokood", "tarjouskood",
            "koodi ei", "koodia ei", "kuponk", "alennus", "alennuks", "lahjakort", "tarjous",
            "tarjouks",
        ),
        "tr": (
            "indirim", "kupon", "promosyon", "kampanya kod", "kampanyalı ürün", "kampanyali urun",
            "kampanya geçerli", "kampanya gecerli", "kampanya uygulan", "kod çalışmıyo",
            "kod calismiyo", "kod geçersiz", "kod gecersiz", "kodu kabul", "hediye çek",
            "hediye cek",
        ),
        "en": (
            "discount", "coupon", "promo", "voucher", "code doesn", "code isn", "code not",
            "code won", "code didn", "invalid code", "gift card", "giftcard", "loyalty point",
        ),
    },
    "price": {
        "fi": (
            "hinta", "hinna", "hinnoit", "kallis", "kalliimp", "kalliim", "kallii", "kalleu",
            "hinnankorotu", "hinnannou", "korotu", "korotit", "korotta", "ylihint", "ylihinn",
            "kiskur", "kiskont", "rahasta", "halvemm", "halvemp",
        ),
        "tr": (
            "fiyat", "pahalı", "pahali", "zam yap", "zam gel", "zamlı", "zamli", "kazık", "kazik",
            "soygun", "ucuz", "fahiş", "fahis", "ücret artış", "ucret artis",
        ),
        "en": (
            "price", "pricing", "expensive", "overpriced", "rip off", "ripoff", "cheaper", "pricey",
            "costs", "too much money", "price hike", "raised the price",
        ),
    },
    "invoice": {
        "fi": (
            "lasku", "perintä", "perinnä", "maksumuistut", "muistutusmaks", "eräpäiv", "viitenum",
            "kuitti", "kuitin",
        ),
        "tr": ("fatura", "makbuz", "dekont", "icra", "borç", "borc", "tahsilat"),
        "en": (
            "invoice", "bill", "billing", "receipt", "bank statement", "on my statement",
            "card statement", "debt collect", "collection agency", "late fee",
        ),
    },
    "late_delivery": {
        "fi": (
            "myöhäs", "myöhästy", "myöhään", "viivästy", "viivee", "viivytt", "viipy",
            "toimitusaik", "ei ole vielä tullut", "ei ole vieläkään tullut", "ei vielä tullut",
            "ei vieläkään tullut", "ei ole saapunut", "ei saapunut", "ei ole vielä saapun",
            "ei vieläkään saapun", "vieläkään tullut", "vieläkään saapun", "vielä tullut",
            "vielä saapun", "tulematta", "saapumatta", "toimittamatta", "lähettämättä",
            "paketti ei", "pakettia ei", "pakettini ei", "tilaus ei", "tilausta ei",
            "tilaukseni ei", "lähetys ei", "lähetystä ei", "missä paketti", "missä pakettini",
            "missä on paketti", "missä tilaus", "missä tilaukseni", "missä on tilaus",
        ),
        "tr": (
            "gecik", "gündür", "gundur", "haftadır", "haftadir", "geç geld", "gec geld", "geç kal",
            "gec kal", "hâlâ gelmedi", "hala gelmedi", "daha gelmedi", "henüz gelmedi",
            "henuz gelmedi", "kargo gelmedi", "kargom gelmedi", "kargo gelmiyo", "kargom gelmiyo",
            "sipariş gelmedi", "siparis gelmedi", "siparişim gelmedi", "siparisim gelmedi",
            "siparişim gelmiyo", "siparisim gelmiyo", "paket gelmedi", "paketim gelmedi",
            "ürün gelmedi", "urun gelmedi", "ürünüm gelmedi", "urunum gelmedi", "ulaşmadı",
            "ulasmadi", "teslim edilmedi", "günlerdir", "gunlerdir", "haftalardır", "haftalardir",
            "hala bekli", "hâlâ bekli", "teslimat süre", "teslimat sure", "kargoya verilmedi",
            "kargoya verilmemiş", "kargoya verilmemis",
        ),
        "en": (
            "late delivery", "delivered late", "arrived late", "is late", "running late",
            "days late", "week late", "weeks late", "so late", "very late", "delay",
            "still waiting for my order", "still waiting for my parcel",
            "still waiting for my package", "still waiting for my delivery", "still not arrived",
            "still not delivered", "still not received", "still hasn't arrived", "still no sign",
            "still no parcel", "still no package", "still no delivery", "hasn't arrived",
            "not arrived", "not yet arrived", "never arrived", "where is my order",
            "where is my parcel", "where is my package", "where's my order", "where's my parcel",
            "where's my package", "overdue", "expected delivery", "estimated delivery",
            "not delivered", "not been delivered",
        ),
    },
    "lost_parcel": {
        "fi": (
            "paketti katos", "paketti kadon", "paketti on kadon", "paketti hävis",
            "paketti on hävin", "pakettini katos", "pakettini on kadon", "lähetys katos",
            "lähetys on kadon", "lähetys hävis", "tilaus katos", "tilaus on kadon",
            "tilaukseni katos", "tilaukseni on kadon", "kadonnut paketti", "kadonneen paketin",
            "kadonnut lähetys", "hukas", "hukku", "hukattu", "hukannut", "merkitty toimitet",
            "toimitetuksi", "toimitettu vaikka", "toimitettu mutta", "en ole saanut pakett",
            "en saanut pakett", "en ole saanut tilau", "en saanut tilau", "en ole saanut lähety",
            "en saanut lähety", "pakettia ei löy", "paketti ei löy", "seuranta", "väärään osoit",
            "väärälle vastaanot", "naapuri",
        ),
        "tr": (
            "kayboldu", "kaybolmuş", "kaybolmus", "kayıp", "kayip", "bulunamı", "bulunami",
            "teslim edildi görünüyo", "teslim edildi gorunuyo", "teslim edildi gözüküyo",
            "teslim edildi gozukuyo", "teslim edildi yazıyo", "teslim edildi yaziyo",
            "teslim edilmiş görünüyo", "teslim edilmis gorunuyo", "elime ulaşmadı",
            "elime ulasmadi", "elime geçmedi", "elime gecmedi", "başkasına teslim",
            "baskasina teslim", "kargo takip", "takip numara", "takip kod", "kargom nerede",
            "kargo nerede", "sipariş nerede", "siparis nerede", "nerede kaldı", "nerede kaldi",
            "siparişim nerede", "siparisim nerede", "paketim nerede", "yanlış adres",
            "yanlis adres",
        ),
        "en": (
            "lost in", "lost parcel", "lost package", "lost my parcel", "lost my package",
            "lost my order", "lost the parcel", "lost the package", "parcel lost", "package lost",
            "parcel was lost", "package was lost", "parcel got lost", "package got lost",
            "order got lost", "order was lost", "missing parcel", "missing package",
            "never received", "t receive", "haven't received", "not received", "never got",
            "t get my", "says delivered", "marked as delivered", "shows delivered", "delivered but",
            "delivered to someone", "wrong address", "stolen", "tracking", "where is my parcel",
            "where is my package",
        ),
    },
    "damaged_delivery": {
        "fi": (
            "kolhi", "kolhu", "lommo", "murskaantu", "rusentu", "ruttaantu", "ruttu", "ruhjou",
            "kuljetusvauri", "kuljetuksessa", "tuli rikki", "tuli rikkinäis", "saapui rikki",
            "saapui rikkinäis", "paketti rikki", "paketti oli rikki", "pakkaus rikki",
            "pakkaus oli rikki", "laatikko rikki", "laatikko oli rikki", "vauri", "naarmu",
            "naarmui", "kuhmu",
        ),
        "tr": (
            "hasarlı", "hasarli", "hasar", "kırık geldi", "kirik geldi", "kırık gel", "kirik gel",
            "ezik", "ezilmiş", "ezilmis", "kutu ezik", "kutusu ezik", "paket yırtık",
            "paket yirtik", "yırtık", "yirtik", "çizik", "cizik", "çizilmiş", "cizilmis",
            "kargoda kırıl", "kargoda kiril", "kargoda hasar", "parçalanmış", "parcalanmis",
            "paramparça", "paramparca", "göçük", "gocuk",
        ),
        "en": (
            "damage", "dented", "dents", "crushed", "smashed", "arrived broken", "came broken",
            "arrived cracked", "arrived in pieces", "scratch", "torn", "ripped", "box was open",
            "opened box", "packaging was",
        ),
    },
    "wrong_item": {
        "fi": (
            "väärä tuote", "väärän tuot", "väärä väri", "väärän väri", "väärä koko", "väärän koko",
            "väärää tuotet", "väärä malli", "väärän mall", "eri tuote", "eri tuotteen", "eri väri",
            "eri koko", "eri malli", "sain väärän", "sain eri", "en tilannut", "mitä tilasin",
            "jota tilasin", "kuin tilasin", "vastaa tilaust", "vastannut tilaust",
        ),
        "tr": (
            "yanlış ürün", "yanlis urun", "yanlış renk", "yanlis renk", "yanlış beden",
            "yanlis beden", "yanlış model", "yanlis model", "farklı ürün", "farkli urun",
            "farklı renk", "farkli renk", "farklı model", "farkli model", "başka ürün",
            "baska urun", "sipariş ettiğim", "siparis ettigim", "yanlış gönder", "yanlis gonder",
            "yanlış gel", "yanlis gel", "benim siparişim değil", "benim siparisim degil",
            "sipariş etmedi", "siparis etmedi",
        ),
        "en": (
            "wrong item", "wrong product", "wrong size", "wrong colour", "wrong color",
            "wrong model", "wrong one", "wrong order", "wrong thing", "sent the wrong",
            "sent me the wrong", "received the wrong", "got the wrong", "different item",
            "different product", "different colour", "different color", "not what i ordered",
            "didn't order", "did not order", "never ordered",
        ),
    },
    "missing_part": {
        "fi": (
            "puuttu", "puutteell", "ollut mukana", "tullut mukana", "mukana ei", "ei mukana",
            "ei sisältä", "sisältänyt", "tyhjä paketti", "tyhjä laatikko", "tyhjä pakkaus",
            "tyhjänä",
        ),
        "tr": (
            "eksik", "içinde yoktu", "icinde yoktu", "pakette yok", "içinden çıkmadı",
            "icinden cikmadi", "kutudan çıkmadı", "kutudan cikmadi", "boş kutu", "bos kutu",
            "kutu boş", "kutu bos", "boş geldi", "bos geldi", "kutuda yok", "paketten çıkmadı",
            "paketten cikmadi",
        ),
        "en": (
            "missing", "not included", "t included", "wasn't in", "weren't in", "not in the box",
            "t come with", "empty box", "box was empty", "empty package", "empty parcel",
            "incomplete", "only got one",
        ),
    },
    "cancellation": {
        "fi": (
            "peruut", "peruin", "perutt", "perua", "perum", "peruuntu", "perun tilau", "perunut",
            "irtisano", "irtisanou", "tilauksen lopet", "lopettaa tilau", "lopetin tilau",
            "lopettanut tilau", "sopimuksen purk", "purkaa sopim", "purin sopim",
        ),
        "tr": ("iptal", "vazgeç", "vazgec", "sonlandır", "sonlandir", "feshet", "fesih", "cayma"),
        "en": (
            "cancel", "unsubscribe", "terminate", "termination", "end my subscription", "withdraw",
            "changed my mind", "opt out",
        ),
    },
    "subscription": {
        "fi": (
            "kestotilau", "jäsenyy", "jäsenyyd", "jäsenmaks", "kuukausimaks", "kuukausiveloit",
            "kuukausitilau", "vuosimaks", "vuositilau", "uusiutu", "kokeilujakso", "ilmaisjakso",
            "koeaika", "premium", "tilausmaks", "kuukausihin",
        ),
        "tr": (
            "abone", "üyelik", "uyelik", "aylık ücret", "aylik ucret", "yıllık ücret",
            "yillik ucret", "otomatik yenile", "yenilendi", "deneme süre", "deneme sure",
            "ücretsiz deneme", "ucretsiz deneme", "premium",
        ),
        "en": (
            "subscri", "membership", "renew", "monthly fee", "annual fee", "free trial", "trial",
            "premium", "recurring",
        ),
    },
    "customer_service_slow": {
        "fi": (
            "ei vastaa", "ei vastannut", "ei vastattu", "vastaamatta", "ei vastausta",
            "ole vastattu", "ole vastannut", "vastausta ei", "jonotin", "jonotta", "jonossa",
            "puhelinjono", "odotin tunnin", "odotin puhelimessa", "odotin vastaus", "odotellut",
            "kukaan ei", "ei kukaan", "ketään kiinni", "teitä kiinni", "asiakaspalvelua kiinni",
            "tavoita", "tavoitta", "tavoitettav", "hidas asiakaspalv", "ei ole palattu",
            "ei palannut",
        ),
        "tr": (
            "cevap vermiyo", "cevap verilmedi", "cevap verilmiyo", "cevap yok", "cevap gelmedi",
            "cevap alam", "yanıt vermiyo", "yanit vermiyo", "yanıt verilmedi", "yanit verilmedi",
            "yanıt yok", "yanit yok", "dönüş yapılmadı", "donus yapilmadi", "dönüş yok",
            "donus yok", "dönüş alam", "donus alam", "ulaşamıyo", "ulasamiyo", "ulaşamadım",
            "ulasamadim", "ulaşılamıyo", "ulasilamiyo", "bekletil", "saatlerdir", "muhatap bulam",
            "muhatap yok", "ilgilenmiyo", "ilgilenen yok", "kimse ilgilen", "kimse cevap",
            "kimse yok",
        ),
        "en": (
            "no reply", "no response", "no answer", "never repl", "never respond", "never heard",
            "heard back", "hear back", "no one", "nobody", "on hold", "ignor", "t respond",
            "t reply", "t answer", "unanswered", "waiting for a repl", "waiting for an answer",
            "waiting for a response", "hours on the phone", "still no reply",
        ),
    },
    "rude_service": {
        "fi": (
            "töyke", "tyly", "epäkohtel", "ylimieli", "asiaton", "asiattom", "epäasiallis",
            "huono palvelu", "huonoa palvelua", "surkea palvelu", "surkeaa palvelua", "kohdeltiin",
            "haukku", "nolasi", "välinpitämät",
        ),
        "tr": (
            "kabalık", "kabalik", "kabaydı", "kabaydi", "çok kaba", "cok kaba", "kaba dav",
            "kaba konuş", "kaba konus", "kaba cevap", "saygısız", "saygisiz", "terbiyesiz",
            "umursamaz", "azarla", "bağırd", "bagird", "hakaret", "aşağıla", "asagila", "ukala",
            "kötü davran", "kotu davran", "ilgisiz",
        ),
        "en": (
            "rude", "impolite", "disrespect", "condescend", "unprofessional", "arrogant",
            "hung up on", "yelled", "shouted", "dismissive", "unhelpful", "attitude",
        ),
    },
    "warranty": {
        "fi": (
            "takuu", "reklamaat", "reklamoi", "huolto", "huollo", "korjau", "korjaamo", "korjatt",
            "korjata", "vaihtolait", "vaihtaa uuteen", "vaihdettiin uuteen", "vaihdetaan uuteen",
            "uuteen laittee", "uuteen tuottee", "kuluttajariit", "kuluttajaneuv", "kuluttajansuoj",
            "virhevastuu",
        ),
        "tr": (
            "garanti", "servis", "tamir", "onarım", "onarim", "değişim", "degisim",
            "yenisiyle değiş", "yenisiyle degis", "yenisini", "tüketici hak", "tuketici hak",
            "tüketici mah", "tuketici mah", "ayıplı", "ayipli",
        ),
        "en": (
            "warranty", "guarantee", "repair", "replace", "exchange", "rma", "service centre",
            "service center", "consumer rights", "trading standards",
        ),
    },
    "returns": {
        "fi": (
            "palautu", "palautet", "palautin", "palautt", "lähetin takaisin", "lähettää takaisin",
            "lähetetty takaisin", "takaisin lähet", "avoin osto", "palautusoik",
        ),
        "tr": ("iade", "geri gönder", "geri gonder", "geri yolla"),
        "en": ("return", "send it back", "sent it back", "send back", "sent back"),
    },
    "out_of_stock": {
        "fi": (
            "loppu varastosta", "varastosta loppu", "ei varastossa", "loppuunmyy",
            "tilapäisesti loppu", "saatavuus", "ei saatavilla", "jälkitoimitu", "jälkitoimituks",
        ),
        "tr": (
            "stokta yok", "stok yok", "stokta kalmadı", "stokta kalmadi", "stoklar", "stoğ", "stog",
            "tükendi", "tukendi", "tükenmiş", "tukenmis", "temin edilemi", "ön sipariş",
            "on siparis",
        ),
        "en": (
            "out of stock", "sold out", "backorder", "back order", "back in stock", "unavailable",
            "not available", "restock",
        ),
    },
}

OBJECTS: Table = {
    "kettle": {
        "fi": ("vedenkeit", "vedenkeitt", "keitin", "keittim", "vesipannu"),
        "tr": (
            "su ısıtıcı", "su isitici", "kettle", "ısıtıcı", "isitici", "çaycı", "cayci",
            "çay makine", "cay makine", "semaver",
        ),
        "en": ("kettle",),
    },
    "coffee_maker": {
        "fi": ("kahvi", "espresso", "kapselikone"),
        "tr": (
            "kahve makine", "kahve makina", "kahvemakine", "espresso", "filtre kahve", "kapsül",
            "kapsul", "kahve",
        ),
        "en": ("coffee", "coffeemaker", "espresso", "brewer", "pod machine", "capsule", "grinder"),
    },
    "vacuum": {
        "fi": ("imuri", "imurin", "imure", "imurei", "pölynimur", "imuroi", "imurointi"),
        "tr": ("süpürge", "supurge"),
        "en": ("vacuum", "hoover", "stick vac"),
    },
    "robot_vacuum": {
        "fi": ("robot", "robo imur", "roboimur"),
        "tr": ("robot",),
        "en": ("robot", "robo vac", "robovac", "roomba"),
    },
    "app": {
        "fi": ("sovellu", "sovelluks", "appi", "äppi", "applikaat", "mobiilisovel"),
        "tr": ("uygulama", "mobil uygulama"),
        "en": (
            "the app", "your app", "this app", "mobile app", "in app", "app is", "app keeps",
            "app won", "app doesn", "app crash", "app update", "app says", "app shows", "app not",
            "app will", "app has", "app stopped", "app store", "application",
        ),
    },
    "website": {
        "fi": (
            "verkkosiv", "nettisiv", "sivusto", "verkkokaup", "nettikaup", "kotisiv", "sivuill",
            "sivuilt", "selain",
        ),
        "tr": ("site", "web sitesi", "internet sitesi", "web sayfa", "tarayıcı", "tarayici"),
        "en": (
            "website", "site", "web shop", "webshop", "online store", "online shop", "web page",
            "webpage", "browser",
        ),
    },
    "order": {
        "fi": ("tilaus", "tilauks", "tilasin", "tilattu", "tilaamani", "tilatt"),
        "tr": ("sipariş", "siparis"),
        "en": ("order",),
    },
    "parcel": {
        "fi": (
            "paket", "lähety", "lähetyks", "kolli", "postiin", "postissa", "postista", "postilla",
            "postilta", "postinkant", "postipaket", "posti ei", "posti on", "posti hukk",
            "postin kautta", "postin seuran", "kuriir", "noutopist",
        ),
        "tr": (
            "kargo", "paket", "kolisi", "koliyi", "kolim", "koli geldi", "koli hasar", "gönderi",
            "gonderi", "kurye",
        ),
        "en": ("parcel", "package", "shipment", "courier", "the box"),
    },
    "payment_method": {
        "fi": (
            "kortti", "kortil", "kortin", "korttia", "luottokort", "pankkikort", "mobilepay",
            "paypal", "klarna", "verkkopank",
        ),
        "tr": (
            "kartım", "kartim", "kartı", "karti", "kredi kart", "banka kart", "kartla", "paypal",
            "havale", "eft",
        ),
        "en": (
            "credit card", "debit card", "my card", "the card", "card number", "card details",
            "paypal", "apple pay", "google pay", "klarna",
        ),
    },
    "account": {
        "fi": ("käyttäjätil", "asiakastil", "tilini", "tilille", "profiil"),
        "tr": ("hesabım", "hesabim", "hesabı", "hesabi", "profil"),
        "en": ("account", "profile"),
    },
    "filter": {
        "fi": ("suodat",),
        "tr": ("filtre",),
        "en": ("filter",),
    },
    "battery": {
        "fi": ("akku", "akun", "akut", "patteri"),
        "tr": ("pili", "pilin", "piller", "batarya"),
        "en": ("battery", "batteri"),
    },
    "charger_dock": {
        "fi": (
            "laturi", "latausasem", "latausalust", "telakka", "telakan", "telakk", "latauskaapel",
            "johto", "johdo", "kaapel", "pistoke", "pistorasia", "jalusta",
        ),
        "tr": (
            "şarj alet", "sarj alet", "şarj cihaz", "sarj cihaz", "şarj istasyon", "sarj istasyon",
            "şarj ünite", "sarj unite", "istasyon", "kablo", "adaptör", "adaptor", "prizden",
            "prizde", "prize tak",
        ),
        "en": (
            "charger", "dock", "base station", "charging station", "charging cable", "cable",
            "cord", "plug", "adapter", "adaptor", "power base",
        ),
    },
    "display": {
        "fi": ("näyttö", "näytö", "ruutu", "ruudu", "kosketusnäyt"),
        "tr": ("ekran", "gösterge", "gosterge"),
        "en": ("display", "screen", "touchscreen", "lcd"),
    },
    "lid": {
        "fi": ("kansi", "kannen", "kantta", "kannet", "kannessa", "kannesta"),
        "tr": ("kapak", "kapağ", "kapag"),
        "en": (
            "the lid", "lid is", "lid won", "lid doesn", "lid does", "lid will", "lid broke",
            "lid came", "lid keeps", "lid hinge", "lid opens", "lid on", "lid of", "lid off",
            "lid has", "lid latch", "lid button", "lid cracked", "lid snapped", "kettle lid",
            "its lid", "a lid", "lids",
        ),
    },
    "handle": {
        "fi": (
            "kahvan", "kahvaa", "kahvat", "kahvassa", "kahvasta", "kahva hajo", "kahva irto",
            "kahva rikki", "kahva katk", "kahva on", "kahva ir", "sangan", "sankaa", "kädensija",
        ),
        "tr": ("sapı", "sapi", "tutma yeri", "tutamak", "tutacak", "kulp"),
        "en": (
            "the handle", "handle broke", "handle is", "handle came", "handle snapped",
            "handle has", "handle of", "handle on",
        ),
    },
    "button": {
        "fi": (
            "nappi", "napin", "napit", "napista", "painike", "painikk", "kytkin", "kytkime",
            "virtanap", "nappula", "nappul",
        ),
        "tr": (
            "tuş", "tuşu", "tusu", "tuşlar", "tuslar", "düğme", "dugme", "buton", "açma kapama",
            "acma kapama", "şalter", "salter",
        ),
        "en": ("button", "knob", "power switch", "on off switch", "toggle"),
    },
    "brush": {
        "fi": ("harja", "sivuharj", "pääharj", "rulla", "telaharj"),
        "tr": ("fırça", "firca", "merdane"),
        "en": ("brush", "roller", "brushroll"),
    },
    "map": {
        "fi": ("kartta", "kartan", "kartat", "karttaa", "pohjapiirr"),
        "tr": ("harita",),
        "en": ("map",),
    },
    "water_tank": {
        "fi": ("säiliö", "vesisäiliö", "pölysäiliö", "roskasäiliö", "vesitankki", "tankki"),
        "tr": ("hazne", "su tankı", "su tanki", "su deposu", "toz haznesi"),
        "en": ("water tank", "tank", "reservoir", "dust bin", "dustbin", "the bin"),
    },
    "seal": {
        "fi": ("tiiviste", "kumitiivis"),
        "tr": (
            "contası", "contasi", "contalar", "contayı", "contayi", "sızdırmazlık", "sizdirmazlik",
        ),
        "en": ("seal", "gasket", "o ring"),
    },
    "sensor": {
        "fi": ("anturi", "tunnistin", "tunnistim", "sensori"),
        "tr": ("sensör", "sensor"),
        "en": ("sensor", "lidar", "bumper"),
    },
    "wheel": {
        "fi": ("pyörä", "rengas", "renkaa"),
        "tr": ("tekerlek", "teker"),
        "en": ("wheel",),
    },
    "heating_element": {
        "fi": ("vastus", "lämpövastu", "lämpölevy", "kuumennuslevy"),
        "tr": ("rezistans", "ısıtıcı plaka", "isitici plaka"),
        "en": ("heating element", "heating plate", "hot plate", "hotplate"),
    },
}
# fmt: on

# Lowercasing "İ" leaves a combining dot above; folding maps Turkish (and the shared ö, ü)
# letters to ASCII so that text typed without diacritics meets the folded stems.
_DOT_ABOVE = "\u0307"
_FOLD = (("ı", "i"), ("ş", "s"), ("ğ", "g"), ("ç", "c"), ("ö", "o"), ("ü", "u"), ("â", "a"),
         ("î", "i"), ("û", "u"))  # fmt: skip
_WORD = re.compile(r"[^\W_]+")
_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"@\w+")
# English contractions typed without the apostrophe, split as the apostrophe would split them.
_CONTRACTIONS = {
    word: (word[:-1], "t")
    for word in (
        "wont", "dont", "doesnt", "didnt", "cant", "isnt", "wasnt", "arent", "werent", "wouldnt",
        "couldnt", "havent", "hasnt", "hadnt", "shouldnt",
    )
}  # fmt: skip
_KEY = 3  # stems are indexed by the first three letters of a word


@dataclass
class _Index:
    """A table's stems, arranged so that each word of a text costs a dictionary look-up or two.

    ``single``: one-word stems by their first three letters. ``multi``: stems of several words
    by their first word and the first three letters of their second (all of it when shorter);
    ``firsts``: the first words of those, so that most words skip ``multi`` altogether;
    ``longest``: the most words in one stem.
    """

    single: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    multi: dict[tuple[str, str], list[tuple[tuple[str, ...], str]]] = field(default_factory=dict)
    firsts: set[str] = field(default_factory=set)
    longest: int = 1


_INDEXES: dict[int, tuple[AnyTable, _Index]] = {}


def concepts(text: str, table: AnyTable = FAULTS) -> frozenset[str]:
    """The concepts whose stems occur in text (any language: complaints mix languages)."""
    index = _index(table)
    lowered = text.lower()
    if not lowered.isascii():
        lowered = unicodedata.normalize("NFC", lowered).replace(_DOT_ABOVE, "")
    if "http" in lowered or "www." in lowered:
        lowered = _URL.sub(" ", lowered)
    if "@" in lowered:
        lowered = _MENTION.sub(" ", lowered)
    tokens = _words(lowered)
    found: set[str] = set()
    everywhere = range(len(tokens))
    _match(tokens, everywhere, everywhere, index, found)
    if not lowered.isascii():
        # Again, ASCII-folded, where folding changes a word: Turkish typed without diacritics
        # or in capitals ("SIZDIRIYOR" lowercases to "sizdiriyor") meets the folded stems.
        folded = [_fold(token) if not token.isascii() else token for token in tokens]
        changed = [i for i, token in enumerate(folded) if token is not tokens[i]]
        if changed:
            reach = index.longest
            near = sorted({j for i in changed for j in range(max(0, i - reach + 1), i + 1)})
            _match(folded, changed, near, index, found)
    return frozenset(found)


def words(text: str) -> list[str]:
    """The words of text as stems are matched against: lowercased, contractions split."""
    return _words(unicodedata.normalize("NFC", text.lower()).replace(_DOT_ABOVE, ""))


def _words(text: str) -> list[str]:
    out: list[str] = []
    for word in _WORD.findall(text):
        split = _CONTRACTIONS.get(word)
        if split is None:
            out.append(word)
        else:
            out.extend(split)
    return out


def _fold(word: str) -> str:
    folded = word
    for letter, plain in _FOLD:
        if letter in folded:
            folded = folded.replace(letter, plain)
    return word if folded == word else folded


def _match(
    tokens: list[str],
    singles: Iterable[int],
    multis: Iterable[int],
    index: _Index,
    found: set[str],
) -> None:
    """Adds the concepts of the one-word stems that match at the positions singles, and of the
    stems of several words that start at the positions multis."""
    single, multi, firsts = index.single, index.multi, index.firsts
    for position in singles:
        token = tokens[position]
        for stem, concept in single.get(token[:_KEY], ()):
            if concept not in found and token.startswith(stem):
                found.add(concept)
    count = len(tokens)
    for position in multis:
        token = tokens[position]
        if token not in firsts or position + 1 == count:
            continue
        following = tokens[position + 1]
        for size in range(1, min(_KEY, len(following)) + 1):
            for parts, concept in multi.get((token, following[:size]), ()):
                end = position + len(parts)
                if (
                    concept not in found
                    and end <= count
                    and tokens[end - 1].startswith(parts[-1])
                    and all(tokens[position + i] == parts[i] for i in range(1, len(parts) - 1))
                ):
                    found.add(concept)


def _index(table: AnyTable) -> _Index:
    cached = _INDEXES.get(id(table))
    if cached is not None and cached[0] is table:
        return cached[1]
    index = _build(table)
    if len(_INDEXES) >= 64:  # tables made on the fly: keep the cache small
        _INDEXES.clear()
    _INDEXES[id(table)] = (table, index)
    return index


def _build(table: AnyTable) -> _Index:
    index = _Index()
    for concept, by_language in table.items():
        for stems in by_language.values():
            for stem in stems:
                parts = tuple(words(stem))
                if not parts:
                    raise ValueError(f"{concept}: stem {stem!r} has no letters")
                if len(parts) == 1:
                    if len(parts[0]) < _KEY:
                        raise ValueError(f"{concept}: stem {stem!r} is too short")
                    index.single.setdefault(parts[0][:_KEY], []).append((parts[0], concept))
                else:
                    key = (parts[0], parts[1][:_KEY])
                    index.multi.setdefault(key, []).append((parts, concept))
                    index.firsts.add(parts[0])
                    index.longest = max(index.longest, len(parts))
    return index
