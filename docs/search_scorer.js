/* The site's search scorer (conf.py: html_search_scorer): Sphinx's own scores, and one point more
   for a lesson, so that of two pages with the same match, the lesson that teaches a word comes
   before the exercise that practises it. The other values are Sphinx's defaults. */
var Scorer = {
  score: (result) => {
    const [docname, title, anchor, descr, score, filename, kind] = result;
    return docname.startsWith("notebooks/") ? score + 1 : score;
  },
  objNameMatch: 11,
  objPartialMatch: 6,
  objPrio: { 0: 15, 1: 5, 2: -5 },
  objPrioDefault: 0,
  title: 15,
  partialTitle: 7,
  term: 5,
  partialTerm: 2,
};
