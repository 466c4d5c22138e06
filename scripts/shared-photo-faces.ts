/**
 * The true faces of ../shared/data/photos, counted and placed by eye (zoomed views of each photo),
 * not taken from any detector's output: each face's centre (about the nose) in photo pixels.
 * `ignore`: a face too hidden or cut to ask for (under about half of it visible): a box there is
 * neither a hit nor wrong.
 *
 * The crowd photo has 17 countable faces and 3 ignored: a head behind the raised fist (hair and
 * forehead only), a half face at the bottom-left border and an ear and cheek at the bottom-right.
 * The raised fist itself (about x 390, y 115) and the fist at the right (about x 830, y 420) are
 * not faces.
 */
import type { TrueFace } from './face-matching.js';

const at = (x: number, y: number, ignore = false): TrueFace => ({ centre: { x, y }, ...(ignore ? { ignore } : {}) });

export const SHARED_PHOTO_FACES: Record<string, TrueFace[]> = {
  'mona-lisa.jpg': [at(280, 450)],
  'pexels-andrea-piacquadio-733872.jpg': [at(1575, 800)],
  'pexels-ingrid-santana-2100063.jpg': [at(608, 1055)],
  'pexels-kevin-bidwell-2380794.jpg': [at(2080, 2000)],
  'pexels-min-an-732425.jpg': [at(1325, 1876)],
  'pakutaso-graduation-three-faces.jpg': [at(165, 322), at(428, 292), at(682, 457)],
  'pexels-davide-de-giovanni-3171822.jpg': [
    at(25, 192), // far left, dark hair
    at(115, 160), // boy behind her
    at(222, 200), // blonde, hand on her mouth
    at(190, 390), // dark hair, laughing, left
    at(437, 165), // behind the raised fist
    at(517, 150), // curly hair
    at(643, 145), // back row, centre
    at(697, 115), // back row
    at(777, 92), // tallest, top
    at(940, 140), // spiky hair
    at(1050, 165), // back row, right
    at(1187, 160), // glasses
    at(1020, 270), // red lips
    at(1185, 375), // right, smiling
    at(652, 310), // bow tie, centre
    at(440, 790), // bottom centre, chin cut by the border
    at(1050, 790), // bottom right, chin cut by the border
    at(337, 185, true), // head hidden behind the raised fist
    at(20, 775, true), // half a face at the bottom-left border
    at(1265, 790, true), // ear and cheek at the bottom-right border
  ],
};
