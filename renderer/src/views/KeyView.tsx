import { ViewTitle } from '../components';
import { CurrentKeyCard } from './key/CurrentKeyCard';
import { RotateCard } from './key/RotateCard';

export { REVEAL_SECONDS } from './key/use-reveal';

export function KeyView() {
  return (
    <div className="view" data-testid="key-view">
      <ViewTitle>Master key</ViewTitle>
      <CurrentKeyCard />
      <RotateCard />
    </div>
  );
}
