"""Paraphrase templates of the ask question bank, written for this eval alone (never taken from
the planner's word lists): how brand managers and analysts actually type questions, in
English, Russian and Kazakh, at least three wordings per template and language.

Slots, filled by evals.question_bank from the forms below:
  {b} brand (nominative / as written), {b_gen} genitive, {b_dat} dative, {b_prep}
  prepositional (ru), {b_loc} locative (kk), {b2}/{b2_gen}... a second brand,
  {in} "in/on the period", {p} the period bare, {from_to} a span, {p1}/{p2} two periods,
  {n} a count ("top 3").
"""

from __future__ import annotations

Lang = str
Template = dict[Lang, list[str]]

TEMPLATES: dict[str, Template] = {
    # -- count ---------------------------------------------------------------------------
    "count_neg_brand": {
        "en": [
            "How many negative tweets did {b} get {in}?",
            "Number of complaints about {b} {in}?",
            "how many people complained about {b} {in}",
            "Count of negative mentions of {b} {in}, please",
        ],
        "ru": [
            "Сколько негативных упоминаний было у {b_gen} {in}?",
            "Сколько раз ругали {b} {in}?",
            "сколько жалоб на {b} пришло {in}",
            "Какое количество негатива по {b_dat} {in}?",
        ],
        "kk": [
            "{in} {b} туралы қанша жағымсыз пікір болды?",
            "{in} {b_dat} қанша шағым түсті?",
            "{b} жайлы теріс жазбалар саны {in} қанша?",
        ],
    },
    "count_all_brand": {
        "en": [
            "How many times was {b} mentioned {in}?",
            "Total mentions of {b} {in}?",
            "what was {b}'s mention volume {in}",
        ],
        "ru": [
            "Сколько всего упоминаний {b_gen} {in}?",
            "Сколько раз писали про {b} {in}?",
            "какой был объём упоминаний {b_gen} {in}",
        ],
        "kk": [
            "{in} {b} қанша рет аталды?",
            "{in} {b} туралы барлығы қанша жазба болды?",
            "{b} туралы айтылған пікірлер саны {in} қанша?",
        ],
    },
    "count_customers_only": {
        "en": [
            "How many customers complained about {b} {in}? Only customers, not the airline",
            "Negative tweets from customers (exclude brand replies) about {b} {in}?",
            "only customer posts: how many complaints did {b} get {in}",
        ],
        "ru": [
            "Сколько клиентов жаловались на {b} {in}? Только клиенты, без ответов компании",
            "Сколько негатива от самих клиентов про {b} {in}, без ответов поддержки?",
            "только сообщения клиентов: сколько жалоб на {b} {in}",
        ],
        "kk": [
            "{in} {b_dat} қанша клиент шағымданды? Тек клиенттер, компанияның жауаптарынсыз",
            "Тек клиенттердің жазбалары: {in} {b} туралы қанша шағым болды?",
            "{in} {b} туралы клиенттердің теріс пікірлері қанша (қолдау қызметінің жауаптарынсыз)?",
        ],
    },
    "count_outside_catalog": {
        "en": [
            "How many tweets mentioned {b} {in}?",
            "Did people talk about {b} {in}? How many mentions?",
            "count the mentions of {b} {in}",
        ],
        "ru": [
            "Сколько раз упоминали {b} {in}?",
            "Были ли упоминания {b_gen} {in}? Сколько?",
            "сколько твитов про {b} {in}",
        ],
        "kk": [
            "{in} {b} қанша рет аталды?",
            "{in} {b} туралы жазбалар болды ма? Қанша?",
            "{b} туралы твиттер саны {in}",
        ],
    },
    # -- share ---------------------------------------------------------------------------
    "share_neg_brand": {
        "en": [
            "What share of {b}'s mentions were negative {in}?",
            "What percent of tweets about {b} {in} were negative?",
            "negative share for {b} {in}?",
            "How negative was the conversation about {b} {in}, as a percentage?",
        ],
        "ru": [
            "Какая доля негатива у {b_gen} {in}?",
            "Сколько процентов упоминаний {b_gen} {in} были негативными?",
            "какой процент негативных отзывов о {b_prep} {in}",
        ],
        "kk": [
            "{in} {b} туралы пікірлердің қанша пайызы жағымсыз болды?",
            "{b_gen} жағымсыз пікірлерінің үлесі {in} қандай?",
            "{in} {b} туралы теріс жазбалардың үлесі қанша пайыз?",
        ],
    },
    "share_pos_brand": {
        "en": [
            "What share of {b}'s mentions were positive {in}?",
            "What percentage of tweets about {b} {in} were positive?",
            "positive share for {b} {in}",
        ],
        "ru": [
            "Какая доля позитива у {b_gen} {in}?",
            "Сколько процентов упоминаний {b_gen} {in} были положительными?",
            "какой процент хороших отзывов о {b_prep} {in}",
        ],
        "kk": [
            "{in} {b} туралы пікірлердің қанша пайызы оң болды?",
            "{b_gen} оң пікірлерінің үлесі {in} қандай?",
            "{in} {b} жайлы жақсы жазбалар үлесі қанша пайыз?",
        ],
    },
    # -- rank ----------------------------------------------------------------------------
    "rank_neg_most": {
        "en": [
            "Which {kind} got the most negative tweets {in}?",
            "Which {kind} did people complain about most {in}?",
            "{in_cap}, who had the most complaints among the {kinds}?",
            "Most criticised {kind} {in}?",
        ],
        "ru": [
            "Какой {kind} больше всего ругали {in}?",
            "У кого из {kinds_gen} было больше всего жалоб {in}?",
            "на какой {kind_acc} жаловались чаще всего {in}",
            "Кого из {kinds_gen} {in} сильнее всего критиковали?",
        ],
        "kk": [
            "{in} қай {kind_kk} ең көп шағым түсті?",
            "{in} ең көп сынға ұшыраған {kind_kk_nom} қайсы?",
            "{in} қай {kind_kk_nom} туралы ең көп жағымсыз пікір жазылды?",
        ],
    },
    "rank_neg_top3": {
        "en": [
            "Top 3 {kinds} by negative mentions {in}",
            "Which three {kinds} had the most complaints {in}?",
            "give me the 3 {kinds} with the most negative tweets {in}",
        ],
        "ru": [
            "Топ-3 {kinds_gen} по количеству негатива {in}",
            "Назови три {kind_gen_sg}, на которые больше всего жаловались {in}",
            "первые три {kind_gen_sg} по числу жалоб {in}",
        ],
        "kk": [
            "{in} ең көп шағым түскен үш {kind_kk_nom}",
            "{in} жағымсыз пікір саны бойынша алғашқы үш {kind_kk_nom}",
            "Топ-3 {kind_kk_nom}: {in} кімге ең көп шағым жазылды?",
        ],
    },
    "rank_neg_least": {
        "en": [
            "Which {kind} had the fewest complaints {in}?",
            "Which {kind} got the least negative tweets {in}?",
            "{in_cap}, which {kind} was complained about least?",
        ],
        "ru": [
            "У какого {kind_gen_sg_only} было меньше всего жалоб {in}?",
            "Какой {kind} ругали меньше всех {in}?",
            "на кого из {kinds_gen} жаловались реже всего {in}",
        ],
        "kk": [
            "{in} қай {kind_kk} ең аз шағым түсті?",
            "{in} ең аз сынға ұшыраған {kind_kk_nom} қайсы?",
            "{in} қай {kind_kk_nom} туралы жағымсыз пікір ең аз болды?",
        ],
    },
    "rank_neg_share": {
        "en": [
            "Which {kind} had the highest share of negative mentions {in}?",
            "Rank the {kinds} by percentage of negative tweets {in}",
            "who has the worst negative share among the {kinds} {in}?",
        ],
        "ru": [
            "У какого {kind_gen_sg_only} самая высокая доля негатива {in}?",
            "Рейтинг {kinds_gen} по доле негативных упоминаний {in}",
            "у кого из {kinds_gen} больше всего негатива в процентах {in}",
        ],
        "kk": [
            "{in} қай {kind_kk_gen} жағымсыз пікірлер үлесі ең жоғары болды?",
            "{in} {kinds_kk_gen} жағымсыз пікір үлесі бойынша рейтингі",
            "{in} теріс пікірлердің пайызы ең көп {kind_kk_nom} қайсы?",
        ],
    },
    "rank_volume": {
        "en": [
            "Which {kind} was mentioned the most {in}?",
            "Rank the {kinds} by number of mentions {in}",
            "who got talked about most {in}, by {kind}?",
        ],
        "ru": [
            "Какой {kind} упоминали чаще всего {in}?",
            "Рейтинг {kinds_gen} по числу упоминаний {in}",
            "о каком {kind_prep} писали больше всего {in}",
        ],
        "kk": [
            "{in} қай {kind_kk_nom} ең жиі аталды?",
            "{in} {kinds_kk_gen} аталу саны бойынша рейтингі",
            "{in} ең көп айтылған {kind_kk_nom} қайсы?",
        ],
    },
    "rank_source": {
        "en": [
            "How many mentions came from each source {in}?",
            "Break down mentions by source {in}",
            "which source brought the most mentions {in}?",
        ],
        "ru": [
            "Сколько упоминаний пришло из каждого источника {in}?",
            "Разбивка упоминаний по источникам {in}",
            "из какого источника было больше всего упоминаний {in}",
        ],
        "kk": [
            "{in} әр дереккөзден қанша жазба келді?",
            "{in} жазбаларды дереккөздер бойынша бөліп көрсет",
            "{in} қай дереккөзден ең көп жазба түсті?",
        ],
    },
    "rank_topic": {
        "en": [
            "What did customers complain about most for {b} {in}?",
            "Top complaint topics for {b} {in}",
            "what are the main issues people raise about {b} {in}?",
        ],
        "ru": [
            "На что чаще всего жаловались клиенты {b_gen} {in}?",
            "Главные темы жалоб на {b} {in}",
            "какие основные проблемы у {b_gen} {in} по мнению клиентов",
        ],
        "kk": [
            "{in} {b} клиенттері көбінесе неге шағымданды?",
            "{in} {b} туралы шағымдардың негізгі тақырыптары",
            "{in} {b} бойынша клиенттер қандай мәселелерді жиі айтты?",
        ],
    },
    # -- series --------------------------------------------------------------------------
    "series_day_neg": {
        "en": [
            "Daily negative tweets about {b} {from_to}",
            "Show complaints about {b} per day {from_to}",
            "how did negative mentions of {b} change day by day {from_to}?",
        ],
        "ru": [
            "Негатив по {b_dat} по дням {from_to}",
            "Покажи количество жалоб на {b} по дням {from_to}",
            "как менялось число жалоб на {b} день за днём {from_to}?",
        ],
        "kk": [
            "{from_to} {b} туралы жағымсыз пікірлер күн сайын қанша болды?",
            "{from_to} {b_dat} түскен шағымдарды күндер бойынша көрсет",
            "{b} туралы теріс жазбалардың күндік динамикасы, {from_to}",
        ],
    },
    "series_week_all": {
        "en": [
            "{b} mentions by week {from_to}",
            "Weekly volume for {b} {from_to}",
            "how many mentions did {b} get each week {from_to}?",
        ],
        "ru": [
            "Динамика упоминаний {b_gen} по неделям {from_to}",
            "Сколько упоминаний {b_gen} было каждую неделю {from_to}?",
            "понедельная разбивка упоминаний {b_gen} {from_to}",
        ],
        "kk": [
            "{from_to} {b} туралы жазбалар апта бойынша",
            "{from_to} {b} әр аптада қанша рет аталды?",
            "{b} туралы пікірлердің апталық динамикасы, {from_to}",
        ],
    },
    "series_month_all": {
        "en": [
            "Number of reviews by month {from_to}",
            "Monthly review volume {from_to}",
            "how many reviews did we get each month {from_to}?",
        ],
        "ru": [
            "Количество отзывов по месяцам {from_to}",
            "Сколько отзывов приходило каждый месяц {from_to}?",
            "помесячная динамика отзывов {from_to}",
        ],
        "kk": [
            "{from_to} пікірлер саны ай бойынша",
            "{from_to} әр айда қанша пікір жазылды?",
            "{from_to} пікірлердің айлық динамикасы",
        ],
    },
    # -- periods -------------------------------------------------------------------------
    "periods_neg_brand": {
        "en": [
            "Negative tweets about {b}: {p1_bare} vs {p2_bare}",
            "Compare complaints about {b} {p1} and {p2}",
            "were there more complaints about {b} {p1} or {p2}?",
        ],
        "ru": [
            "{p1} и {p2}: сколько было негатива по {b_dat}?",
            "Сравни количество жалоб на {b} {p1} и {p2}",
            "когда на {b} жаловались больше: {p1} или {p2}?",
        ],
        "kk": [
            "{b} туралы жағымсыз пікірлер: {p1} және {p2}",
            "{b_dat} түскен шағымдарды салыстыр: {p1} және {p2}",
            "{b_dat} қашан көбірек шағымданды: {p1} ме, әлде {p2} ме?",
        ],
    },
    "periods_all": {
        "en": [
            "How many reviews {p1} compared with {p2_bare}?",
            "Review volume: {p1_bare} vs {p2_bare}",
            "did we get more reviews {p1} or {p2}?",
        ],
        "ru": [
            "Сколько отзывов было {p1} по сравнению с {p2_gen}?",
            "Количество отзывов {p1} и {p2}",
            "когда отзывов было больше — {p1} или {p2}?",
        ],
        "kk": [
            "{p1} және {p2} қанша пікір жазылды?",
            "Пікірлер саны: {p1} мен {p2} салыстыр",
            "қашан пікір көбірек болды: {p1} ме, әлде {p2} ме?",
        ],
    },
    # -- why / what changed --------------------------------------------------------------
    "why_rise": {
        "en": [
            "Why did complaints about {b} rise {p2} compared with {p1_bare}?",
            "What drove the increase in negative tweets about {b} {p2_bare} vs {p1_bare}?",
            "what changed for {b} {p2}? negative mentions went up from {p1_bare}",
        ],
        "ru": [
            "Почему выросло число жалоб на {b} {p2} по сравнению с {p1_gen}?",
            "Из-за чего {p2} стало больше негатива по {b_dat}, чем {p1}?",
            "что изменилось у {b_gen} {p2}? жалоб больше, чем {p1}",
        ],
        "kk": [
            "Неліктен {p2} {b_dat} шағымдар {p1_abl} көбейді?",
            "{p2} {b} туралы жағымсыз пікірлер не себепті {p1_abl} артты?",
            "{b} бойынша {p2} не өзгерді? шағымдар {p1_abl} көп",
        ],
    },
    # -- examples ------------------------------------------------------------------------
    "examples_neg": {
        "en": [
            "Show me examples of complaints about {b} {in}",
            "Give me a few negative tweets about {b} {in}",
            "what are people saying negatively about {b} {in}? quotes please",
        ],
        "ru": [
            "Покажи примеры жалоб на {b} {in}",
            "Приведи несколько негативных твитов про {b} {in}",
            "дай цитаты, где ругают {b} {in}",
        ],
        "kk": [
            "{in} {b} туралы шағымдардан мысалдар көрсет",
            "{in} {b} жайлы бірнеше жағымсыз твит келтір",
            "{in} {b_acc} сынаған пікірлерден үзінділер бер",
        ],
    },
    # -- rating (reviews) ----------------------------------------------------------------
    "rating_avg": {
        "en": [
            "What was the average rating {in}?",
            "Average star rating of our reviews {in}?",
            "how many stars on average did reviewers give {in}",
        ],
        "ru": [
            "Какой был средний рейтинг {in}?",
            "Средняя оценка отзывов {in}?",
            "сколько звёзд в среднем ставили {in}",
        ],
        "kk": [
            "{in} орташа рейтинг қандай болды?",
            "{in} пікірлердің орташа бағасы қанша?",
            "{in} орта есеппен неше жұлдыз қойылды?",
        ],
    },
    "rating_low_share": {
        "en": [
            "What share of reviews {in} were 1 or 2 stars?",
            "Percentage of low-star (1–2) reviews {in}?",
            "how many of the reviews {in} were one- or two-star, in percent",
        ],
        "ru": [
            "Какая доля отзывов {in} с оценкой 1–2 звезды?",
            "Сколько процентов отзывов {in} были на одну-две звезды?",
            "процент низких оценок (1-2) {in}",
        ],
        "kk": [
            "{in} пікірлердің қанша пайызы 1-2 жұлдыз болды?",
            "{in} төмен бағалы (1–2 жұлдыз) пікірлер үлесі қандай?",
            "{in} бір-екі жұлдыз қойылған пікірлер неше пайыз?",
        ],
    },
    # -- compare -------------------------------------------------------------------------
    "compare_brands": {
        "en": [
            "Compare {b} and {b2} on negative share {in}",
            "{b} vs {b2}: who had more negative sentiment {in}?",
            "how do {b} and {b2} compare {in} in terms of complaints?",
        ],
        "ru": [
            "Сравни {b_acc} и {b2_acc} по доле негатива {in}",
            "{b} или {b2}: у кого больше негатива {in}?",
            "как отличается тональность упоминаний {b_gen} и {b2_gen} {in}",
        ],
        "kk": [
            "{in} {b} мен {b2} жағымсыз пікір үлесі бойынша салыстыр",
            "{b} әлде {b2}: {in} кімде теріс пікір көбірек?",
            "{in} {b} және {b2} туралы пікірлердің көңіл-күйін салыстыр",
        ],
    },
}
