/**
 * What only the referee knows about each synthetic business beyond its
 * default label, for the portfolio stage: the county-level division it is in
 * (Shandong's real district and county codes under the six cities), whether
 * it has ever had a bank loan (a loan now is its first), and whether a
 * government guarantor would cover a loan to it, and how much of a credit
 * line it would draw while it performs (a business that defaults has drawn
 * all of it: exposure at default is the whole limit). Written to
 * referee/population.csv; never to a party's file.
 */
import type { Rng } from '@fedrisk/shared';

export type DivisionType = 'district' | 'county';

interface Division {
  code: string;
  name: string;
}

/** Municipal districts, then counties and county-level cities (county areas), per city; and the share of businesses in county areas. */
const DIVISIONS: Record<string, { districts: Division[]; counties: Division[]; countyShare: number }> = {
  Jinan: {
    districts: [
      { code: '370102', name: 'Lixia' },
      { code: '370103', name: 'Shizhong' },
      { code: '370104', name: 'Huaiyin' },
      { code: '370105', name: 'Tianqiao' },
      { code: '370112', name: 'Licheng' },
      { code: '370113', name: 'Changqing' },
      { code: '370114', name: 'Zhangqiu' },
      { code: '370115', name: 'Jiyang' },
      { code: '370116', name: 'Laiwu' },
      { code: '370117', name: 'Gangcheng' },
    ],
    counties: [
      { code: '370124', name: 'Pingyin' },
      { code: '370126', name: 'Shanghe' },
    ],
    countyShare: 0.25,
  },
  Qingdao: {
    districts: [
      { code: '370202', name: 'Shinan' },
      { code: '370203', name: 'Shibei' },
      { code: '370211', name: 'Huangdao' },
      { code: '370212', name: 'Laoshan' },
      { code: '370213', name: 'Licang' },
      { code: '370214', name: 'Chengyang' },
      { code: '370215', name: 'Jimo' },
    ],
    counties: [
      { code: '370281', name: 'Jiaozhou' },
      { code: '370283', name: 'Pingdu' },
      { code: '370285', name: 'Laixi' },
    ],
    countyShare: 0.4,
  },
  Zibo: {
    districts: [
      { code: '370302', name: 'Zichuan' },
      { code: '370303', name: 'Zhangdian' },
      { code: '370304', name: 'Boshan' },
      { code: '370305', name: 'Linzi' },
      { code: '370306', name: 'Zhoucun' },
    ],
    counties: [
      { code: '370321', name: 'Huantai' },
      { code: '370322', name: 'Gaoqing' },
      { code: '370323', name: 'Yiyuan' },
    ],
    countyShare: 0.35,
  },
  Yantai: {
    districts: [
      { code: '370602', name: 'Zhifu' },
      { code: '370611', name: 'Fushan' },
      { code: '370612', name: 'Muping' },
      { code: '370613', name: 'Laishan' },
      { code: '370614', name: 'Penglai' },
    ],
    counties: [
      { code: '370681', name: 'Longkou' },
      { code: '370682', name: 'Laiyang' },
      { code: '370683', name: 'Laizhou' },
      { code: '370685', name: 'Zhaoyuan' },
      { code: '370686', name: 'Qixia' },
      { code: '370687', name: 'Haiyang' },
    ],
    countyShare: 0.6,
  },
  Weifang: {
    districts: [
      { code: '370702', name: 'Weicheng' },
      { code: '370703', name: 'Hanting' },
      { code: '370704', name: 'Fangzi' },
      { code: '370705', name: 'Kuiwen' },
    ],
    counties: [
      { code: '370724', name: 'Linqu' },
      { code: '370725', name: 'Changle' },
      { code: '370781', name: 'Qingzhou' },
      { code: '370782', name: 'Zhucheng' },
      { code: '370783', name: 'Shouguang' },
      { code: '370784', name: 'Anqiu' },
      { code: '370785', name: 'Gaomi' },
      { code: '370786', name: 'Changyi' },
    ],
    countyShare: 0.66,
  },
  Linyi: {
    districts: [
      { code: '371302', name: 'Lanshan' },
      { code: '371311', name: 'Luozhuang' },
      { code: '371312', name: 'Hedong' },
    ],
    counties: [
      { code: '371321', name: 'Yinan' },
      { code: '371322', name: 'Tancheng' },
      { code: '371323', name: 'Yishui' },
      { code: '371324', name: 'Lanling' },
      { code: '371325', name: 'Feixian' },
      { code: '371326', name: 'Pingyi' },
      { code: '371327', name: 'Junan' },
      { code: '371328', name: 'Mengyin' },
      { code: '371329', name: 'Linshu' },
    ],
    countyShare: 0.68,
  },
};

export interface BusinessTruth {
  /** six-digit code of the district or county the business is in */
  division: string[];
  divisionType: DivisionType[];
  /** 1: the business has never had a bank loan, so a loan now is its first */
  firstLoan: Uint8Array;
  /** 1: a government guarantor would cover a loan to it */
  guaranteeEligible: Uint8Array;
  /** share of its limit a performing borrower has drawn (0.3 to 0.9) */
  drawnShare: Float64Array;
}

export interface TruthInputs {
  city: readonly string[];
  industry: readonly string[];
  size: Float64Array;
  monthsAsCustomer: ArrayLike<number>;
  /** the guarantor's own view of the business's health (its latent factor) */
  guarantorView: Float64Array;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

export function generateTruth(inp: TruthInputs, rng: Rng): BusinessTruth {
  const n = inp.city.length;
  const out: BusinessTruth = {
    division: [],
    divisionType: [],
    firstLoan: new Uint8Array(n),
    guaranteeEligible: new Uint8Array(n),
    drawnShare: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const d = DIVISIONS[inp.city[i] as string];
    if (!d) throw new Error(`no divisions for city ${inp.city[i]}`);
    const county = rng.next() < d.countyShare;
    out.division.push(rng.pick(county ? d.counties : d.districts).code);
    out.divisionType.push(county ? 'county' : 'district');
    // smaller and newer customers are more often first-time borrowers
    const months = inp.monthsAsCustomer[i] as number;
    out.firstLoan[i] = rng.next() < sigmoid(-1 - Math.log(inp.size[i] as number) - 0.012 * (months - 90)) ? 1 : 0;
    // government guarantors screen on what they know of the business, and favour county areas and agriculture
    const p = sigmoid(-0.4 + 0.6 * (inp.guarantorView[i] as number) + (county ? 0.3 : 0) + (inp.industry[i] === 'agriculture' ? 0.3 : 0));
    out.guaranteeEligible[i] = rng.next() < p ? 1 : 0;
    out.drawnShare[i] = Math.round((0.3 + 0.6 * rng.next()) * 1000) / 1000;
  }
  return out;
}
